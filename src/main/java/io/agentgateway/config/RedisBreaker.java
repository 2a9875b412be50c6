package io.agentgateway.config;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;

/**
 * Whether Redis is worth asking now. A Redis that does not answer (a host gone, a network split) costs every call its
 * whole time-out: a turn's lock, limit and history calls one after another held its first token back by some 15 s, and
 * its final by 5 s more, while the fallback each of them has was there all along. After a call fails to reach Redis,
 * calls are refused at once until Redis answers again; whether it does is checked at once, then once per
 * {@code retryEvery}, by one probe that no caller waits for ({@link GuardedRedisTemplate}).
 */
final class RedisBreaker {

    private final long retryEveryNanos;
    private final LongSupplier nanoTime;
    private final AtomicBoolean probing = new AtomicBoolean();
    private volatile boolean failing;
    private volatile long probeAt;

    RedisBreaker(Duration retryEvery, LongSupplier nanoTime) {
        this.retryEveryNanos = retryEvery.toNanos();
        this.nanoTime = nanoTime;
    }

    /** True when a call may go to Redis: it answered the last call that tried. */
    boolean allow() {
        return !failing;
    }

    /** While calls are refused: true once per {@code retryEvery}, for the one probe, which then reports how it went. */
    boolean probeDue() {
        return failing && nanoTime.getAsLong() - probeAt >= 0 && probing.compareAndSet(false, true);
    }

    void succeeded() {
        failing = false;
        probing.set(false);
    }

    /**
     * The first failure has the next refused call probe at once (a connection from before a Redis restart fails once,
     * and the PING on a new one answers); a failed probe, or a failure while failing, waits {@code retryEvery}.
     */
    void failed() {
        probeAt = nanoTime.getAsLong() + (failing ? retryEveryNanos : 0);
        failing = true;
        probing.set(false);
    }
}
