package io.agentgateway.queue;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * When a job list's expiry is renewed (routes/queue-redis.yaml). A job older than the longest wait for its answer
 * ({@code GATEWAY__JUDGEMENT_TIMEOUT}, or {@code GATEWAY__REQUEST_TIMEOUT} for chat over the queue) has had its
 * timeout final, and its replies would be dropped. So a list nobody takes from (an agent no worker serves, a client
 * naming made-up agents, workers down) expires that long after its last job, rather than growing in Redis for ever.
 * The expiry is renewed at most once a second per list, so a busy list costs one EXPIRE a second, not one per job;
 * the TTL has that second added, so every job still lives at least the wait.
 */
public final class JobListExpiry {

    private static final long RENEW_EVERY_NANOS = 1_000_000_000L;
    /** lists forgotten beyond this (least recently used first) only cost an early renewal */
    private static final int LISTS_REMEMBERED = 1024;

    private final long ttlSeconds;
    private final LongSupplier nanoTime;
    private final Map<String, Long> renewedAt = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
            return size() > LISTS_REMEMBERED;
        }
    };

    public JobListExpiry(Duration longestWait, LongSupplier nanoTime) {
        this.ttlSeconds = (longestWait.toMillis() + 999) / 1000 + 1;
        this.nanoTime = nanoTime;
    }

    /** The TTL a list is given, in seconds. */
    public long ttlSeconds() {
        return ttlSeconds;
    }

    /** Whether the list of {@code agentId}'s jobs is due to have its expiry renewed; if so, it counts as renewed now. */
    public synchronized boolean due(String agentId) {
        long now = nanoTime.getAsLong();
        Long last = renewedAt.get(agentId);
        if (last != null && now - last < RENEW_EVERY_NANOS) {
            return false;
        }
        renewedAt.put(agentId, now);
        return true;
    }
}
