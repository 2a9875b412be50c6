package io.agentgateway.auth;

import java.util.Optional;

/**
 * Counts live WebSocket connections, per gateway instance and per identity (the seed {@code appid} or the JWT
 * {@code sub}), so the handshake guard can refuse one over {@code GATEWAY__MAX_CONNECTIONS} (503) or
 * {@code GATEWAY__MAX_CONNECTIONS_PER_APP} (429) before the upgrade.
 * <p>
 * {@link InMemoryConnectionLimits} counts this instance only. A shared implementation (Redis) would make the
 * per-identity limit hold across instances. {@link #tryAcquire} runs on an event loop: an implementation that does
 * I/O must answer from local state or be moved to a worker the way the guard moves a JWKS fetch.
 */
public interface ConnectionLimits {

    /** Why a connection was not admitted. */
    enum Refusal {
        /** This instance holds {@code GATEWAY__MAX_CONNECTIONS} connections. */
        INSTANCE_FULL,
        /** The identity holds {@code GATEWAY__MAX_CONNECTIONS_PER_APP} connections. */
        IDENTITY_FULL
    }

    /** A counted connection. {@link #release} gives its slot back; calling it again does nothing. */
    interface Lease {
        void release();
    }

    /** Either a lease or a refusal. */
    record Admission(Lease lease, Refusal refusal) {
        public static Admission admitted(Lease lease) {
            return new Admission(lease, null);
        }

        public static Admission refused(Refusal refusal) {
            return new Admission(null, refusal);
        }

        public boolean isAdmitted() {
            return lease != null;
        }
    }

    /**
     * Takes a slot for a new connection if both limits allow it.
     *
     * @param identity empty when auth is off: such connections count toward the instance limit only
     */
    Admission tryAcquire(Optional<String> identity);

    /** Connections open on this instance. */
    int open();

    /** Connections open for one identity. */
    int open(String identity);

    int maxConnections();

    int maxConnectionsPerIdentity();

    /** True when {@link #tryAcquire} asks a remote store (Redis): the guard then calls it on a worker. */
    default boolean blocking() {
        return false;
    }
}
