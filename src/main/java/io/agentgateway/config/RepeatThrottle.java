package io.agentgateway.config;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.filter.Filter;
import ch.qos.logback.core.spi.FilterReply;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lets through at most one WARN or ERROR per {@code window} from each of the named loggers: for libraries that log
 * the same failure, stack trace and all, at every retry. Spring's Redis subscription container logs an ERROR with
 * its stack trace each second while Redis is down, about 30 lines a second for the whole outage. The first line
 * after a window says how many were left out. The gateway's own repeating failures go through
 * {@link io.agentgateway.common.OutageLog} instead, which also tells when they end.
 */
final class RepeatThrottle extends Filter<ILoggingEvent> {

    static final Duration WINDOW = Duration.ofSeconds(30);
    /** Spring's RedisMessageListenerContainer (its logger is named after its class) */
    static final String SPRING_SUBSCRIPTIONS = "org.springframework.data.redis.listener.RedisMessageListenerContainer";

    private static final Logger LOG = LoggerFactory.getLogger(RepeatThrottle.class);

    private final Set<String> loggers;
    private final long windowNanos;
    private final LongSupplier nanoTime;
    private final Map<String, long[]> lastLetThroughAndLeftOut = new ConcurrentHashMap<>();

    RepeatThrottle(Set<String> loggers) {
        this(loggers, WINDOW, System::nanoTime);
    }

    RepeatThrottle(Set<String> loggers, Duration window, LongSupplier nanoTime) {
        this.loggers = Set.copyOf(loggers);
        this.windowNanos = window.toNanos();
        this.nanoTime = nanoTime;
        setName("repeat-throttle");
    }

    @Override
    public FilterReply decide(ILoggingEvent event) {
        if (!event.getLevel().isGreaterOrEqual(Level.WARN) || !loggers.contains(event.getLoggerName())) {
            return FilterReply.NEUTRAL;
        }
        long[] state = lastLetThroughAndLeftOut.computeIfAbsent(event.getLoggerName(), k -> new long[] {0, -1});
        long leftOut;
        synchronized (state) {
            long now = nanoTime.getAsLong();
            if (state[1] >= 0 && now - state[0] < windowNanos) {
                state[1]++;
                return FilterReply.DENY;
            }
            leftOut = Math.max(0, state[1]);
            state[0] = now;
            state[1] = 0;
        }
        if (leftOut > 0) {
            LOG.warn("{} more lines like the next one from {} were left out in the last {} s", leftOut,
                    event.getLoggerName(), windowNanos / 1_000_000_000L);
        }
        return FilterReply.NEUTRAL;
    }
}
