package io.agentgateway.common;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

import org.slf4j.Logger;

/**
 * How a failure that repeats while something is down (Redis, for every flush, turn or connection) is logged: the
 * first at WARN, then at most one WARN per {@link #EVERY} saying how many more there were, and one INFO when the
 * thing works again. Logged per call, an outage wrote a line for every flush (50 a second) and every turn, burying
 * everything else in the log and pushing it out of the output's queue.
 * <p>
 * {@link #succeeded()} is one volatile read while nothing fails, so it can sit on a hot path.
 */
public final class OutageLog {

    /** the longest a repeating failure goes without a line in the log */
    public static final Duration EVERY = Duration.ofSeconds(30);

    private final Logger log;
    private final String failure;
    private final String recovery;
    private final LongSupplier nanoTime;
    private final long everyNanos;
    private volatile boolean failing;
    // guarded by this
    private long since;
    private long failures;
    private long unlogged;
    private long nextLineAt;

    /**
     * @param failure  what fails and what the gateway does instead, as the WARN says it ("Turn lock unavailable, the
     *                 answer goes ahead"); the failure's own message follows it
     * @param recovery what the INFO says when it works again ("Turn locks work again")
     */
    public OutageLog(Logger log, String failure, String recovery) {
        this(log, failure, recovery, System::nanoTime, EVERY);
    }

    OutageLog(Logger log, String failure, String recovery, LongSupplier nanoTime, Duration every) {
        this.log = log;
        this.failure = failure;
        this.recovery = recovery;
        this.nanoTime = nanoTime;
        this.everyNanos = every.toNanos();
    }

    /** One more failure; {@code cause} is its message. */
    public synchronized void failed(String cause) {
        long now = nanoTime.getAsLong();
        failures++;
        if (!failing) {
            since = now;
            failing = true;
            nextLineAt = now + everyNanos;
            log.warn("{}: {}", failure, cause);
            return;
        }
        unlogged++;
        if (now - nextLineAt >= 0) {
            log.warn("{}: {} ({} failures since the last line, {} since it began {} s ago)", failure, cause, unlogged,
                    failures, TimeUnit.NANOSECONDS.toSeconds(now - since));
            unlogged = 0;
            nextLineAt = now + everyNanos;
        }
    }

    /** It worked: ends an outage, if there was one. */
    public void succeeded() {
        if (!failing) {
            return;
        }
        synchronized (this) {
            if (!failing) {
                return;
            }
            failing = false;
            log.info("{}, after {} {} in {} s", recovery, failures, failures == 1 ? "failure" : "failures",
                    TimeUnit.NANOSECONDS.toSeconds(nanoTime.getAsLong() - since));
            failures = 0;
            unlogged = 0;
        }
    }

    /** Whether the last call failed. */
    public boolean failing() {
        return failing;
    }
}
