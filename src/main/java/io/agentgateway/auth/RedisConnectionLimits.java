package io.agentgateway.auth;

import java.util.Optional;
import java.util.concurrent.Executor;

import io.agentgateway.common.OutageLog;
import io.agentgateway.common.RedisSlots;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link ConnectionLimits} with the per-identity limit shared by every instance on one Redis
 * ({@code <prefix>app:{<identity>}:connections}, see {@link RedisSlots}); the per-instance limit stays this
 * instance's own. Asking Redis blocks, so the handshake guard calls {@link #tryAcquire} on a worker
 * ({@link #blocking()}); a lease's release goes to a worker too. When Redis cannot be asked, this instance's counts
 * alone decide.
 */
public final class RedisConnectionLimits implements ConnectionLimits {

    private static final Logger LOG = LoggerFactory.getLogger(RedisConnectionLimits.class);

    private final Executor releaseShared;
    private final RedisSlots slots;
    private final String prefix;
    private final ConnectionLimits local;
    private final OutageLog outage = new OutageLog(LOG,
            "Shared connection limit unavailable, counting this instance only", "Shared connection limits work again");

    /**
     * @param releaseShared where a shared slot is given back (a Redis round trip): a lease may be released on an
     *                      event loop, so a worker
     */
    public RedisConnectionLimits(Executor releaseShared, RedisSlots slots, String prefix, ConnectionLimits local) {
        this.releaseShared = releaseShared;
        this.slots = slots;
        this.prefix = prefix;
        this.local = local;
    }

    @Override
    public boolean blocking() {
        return true;
    }

    @Override
    public Admission tryAcquire(Optional<String> identity) {
        Admission here = local.tryAcquire(identity);
        if (!here.isAdmitted() || identity.isEmpty()) {
            return here;
        }
        Optional<Runnable> both;
        try {
            both = slots.tryAcquireBeside(prefix + "app:{" + identity.get() + "}:connections",
                    maxConnectionsPerIdentity(), here.lease()::release, releaseShared);
            outage.succeeded();
        } catch (RuntimeException e) {
            outage.failed(e.getMessage());
            return here;
        }
        return both.map(release -> Admission.admitted(release::run))
                .orElseGet(() -> Admission.refused(Refusal.IDENTITY_FULL));
    }

    @Override
    public int open() {
        return local.open();
    }

    @Override
    public int open(String identity) {
        return local.open(identity);
    }

    @Override
    public int maxConnections() {
        return local.maxConnections();
    }

    @Override
    public int maxConnectionsPerIdentity() {
        return local.maxConnectionsPerIdentity();
    }
}
