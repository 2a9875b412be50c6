package io.agentgateway.auth;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/** {@link ConnectionLimits} for one instance. Handshakes are short, so one lock keeps both counts consistent. */
public final class InMemoryConnectionLimits implements ConnectionLimits {

    private final int maxConnections;
    private final int maxPerIdentity;
    private final Map<String, Integer> perIdentity = new HashMap<>();
    private int total;

    public InMemoryConnectionLimits(int maxConnections, int maxPerIdentity) {
        this.maxConnections = maxConnections;
        this.maxPerIdentity = maxPerIdentity;
    }

    @Override
    public synchronized Admission tryAcquire(Optional<String> identity) {
        if (total >= maxConnections) {
            return Admission.refused(Refusal.INSTANCE_FULL);
        }
        if (identity.isPresent()) {
            int held = perIdentity.getOrDefault(identity.get(), 0);
            if (held >= maxPerIdentity) {
                return Admission.refused(Refusal.IDENTITY_FULL);
            }
            perIdentity.put(identity.get(), held + 1);
        }
        total++;
        AtomicBoolean released = new AtomicBoolean();
        return Admission.admitted(() -> {
            if (released.compareAndSet(false, true)) {
                release(identity);
            }
        });
    }

    private synchronized void release(Optional<String> identity) {
        total--;
        // drop an identity at zero, so identities that come and go leave nothing behind
        identity.ifPresent(id -> perIdentity.computeIfPresent(id, (k, n) -> n <= 1 ? null : n - 1));
    }

    @Override
    public synchronized int open() {
        return total;
    }

    @Override
    public synchronized int open(String identity) {
        return perIdentity.getOrDefault(identity, 0);
    }

    @Override
    public int maxConnections() {
        return maxConnections;
    }

    @Override
    public int maxConnectionsPerIdentity() {
        return maxPerIdentity;
    }
}
