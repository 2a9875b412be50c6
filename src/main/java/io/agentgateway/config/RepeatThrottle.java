package io.agentgateway.config;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;

/**
 * Lets through at most one WARN or ERROR per {@code window} from each of the named loggers: for libraries that log
 * the same failure, stack trace and all, at every retry. Spring's Redis subscription container logs an ERROR with
 * its stack trace each second while Redis is down, about 30 lines a second for the whole outage. The output
 * ({@link AsyncLogOutput}) asks it for each line, and writes how many were left out before the next one let
 * through. The gateway's own repeating failures go through {@link io.agentgateway.common.OutageLog} instead, which
 * also tells when they end.
 */
final class RepeatThrottle {

    static final Duration WINDOW = Duration.ofSeconds(30);
    /**
     * Spring's RedisMessageListenerContainer, whose logger is named after the runtime class: ours. A string, so that
     * the logging set-up does not load Spring's Redis classes without Redis (RepeatThrottleTest checks the name).
     */
    static final String SPRING_SUBSCRIPTIONS = "io.agentgateway.config.WatchedListenerContainer";
    /** What {@link #letThrough} answers for a line to leave out. */
    static final long LEAVE_OUT = -1;

    private final Set<String> loggers;
    private final long windowNanos;
    private final LongSupplier nanoTime;
    /** per logger: when a line was last let through, and how many were left out since (-1: none let through yet) */
    private final Map<String, long[]> lastLetThroughAndLeftOut = new ConcurrentHashMap<>();

    RepeatThrottle(Set<String> loggers) {
        this(loggers, WINDOW, System::nanoTime);
    }

    RepeatThrottle(Set<String> loggers, Duration window, LongSupplier nanoTime) {
        this.loggers = Set.copyOf(loggers);
        this.windowNanos = window.toNanos();
        this.nanoTime = nanoTime;
    }

    /** {@link #LEAVE_OUT}, or the line goes out: how many like it were left out since the last one did. */
    long letThrough(ILoggingEvent event) {
        if (!event.getLevel().isGreaterOrEqual(Level.WARN) || !loggers.contains(event.getLoggerName())) {
            return 0;
        }
        long[] state = lastLetThroughAndLeftOut.computeIfAbsent(event.getLoggerName(), k -> new long[] {0, -1});
        synchronized (state) {
            long now = nanoTime.getAsLong();
            if (state[1] >= 0 && now - state[0] < windowNanos) {
                state[1]++;
                return LEAVE_OUT;
            }
            long leftOut = Math.max(0, state[1]);
            state[0] = now;
            state[1] = 0;
            return leftOut;
        }
    }

    long windowSeconds() {
        return windowNanos / 1_000_000_000L;
    }
}
