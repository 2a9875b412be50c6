package io.agentgateway.chat;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/** {@link AnswerLimits} for one gateway instance. */
public final class InMemoryAnswerLimits implements AnswerLimits {

    private final int maxPerIdentity;
    private final Map<String, Integer> perIdentity = new ConcurrentHashMap<>();

    public InMemoryAnswerLimits(int maxPerIdentity) {
        if (maxPerIdentity < 1) {
            throw new IllegalArgumentException("maxPerIdentity must be at least 1");
        }
        this.maxPerIdentity = maxPerIdentity;
    }

    @Override
    public Optional<Slot> tryAcquire(Optional<String> identity) {
        if (identity.isEmpty()) {
            return Optional.of(UNCOUNTED);
        }
        String id = identity.get();
        boolean[] taken = {false};
        // compute runs atomically per key, so two answers of one identity cannot both take the last slot
        perIdentity.compute(id, (k, held) -> {
            int n = held == null ? 0 : held;
            if (n >= maxPerIdentity) {
                return held;
            }
            taken[0] = true;
            return n + 1;
        });
        if (!taken[0]) {
            return Optional.empty();
        }
        AtomicBoolean released = new AtomicBoolean();
        return Optional.of(() -> {
            if (released.compareAndSet(false, true)) {
                // drop an identity at zero, so identities that come and go leave nothing behind
                perIdentity.computeIfPresent(id, (k, n) -> n <= 1 ? null : n - 1);
            }
        });
    }

    @Override
    public int active(String identity) {
        return perIdentity.getOrDefault(identity, 0);
    }

    @Override
    public int maxPerIdentity() {
        return maxPerIdentity;
    }
}
