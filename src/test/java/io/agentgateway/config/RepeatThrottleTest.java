package io.agentgateway.config;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import ch.qos.logback.core.read.ListAppender;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Repeated lines of a named library logger, thinned to one a window by the log output, with the count left out. */
class RepeatThrottleTest {

    private static final String NOISY = RepeatThrottle.SPRING_SUBSCRIPTIONS;
    private final AtomicLong now = new AtomicLong(5_000);
    private final RepeatThrottle throttle = new RepeatThrottle(Set.of(NOISY), Duration.ofSeconds(30), now::get);
    private final LoggerContext context = new LoggerContext();

    {
        context.setMDCAdapter(new LogbackMDCAdapter()); // as the one SLF4J binds has: queued events read their MDC
    }

    private ILoggingEvent event(String logger, Level level, String message) {
        return new LoggingEvent(getClass().getName(), context.getLogger(logger), level, message, null, null);
    }

    @Test
    void theThrottledLoggerIsTheSubscriptionContainers() {
        assertThat(RepeatThrottle.SPRING_SUBSCRIPTIONS).isEqualTo(WatchedListenerContainer.class.getName());
    }

    @Test
    void oneLineAWindowFromANamedLoggerAndTheCountLeftOutWithTheNext() {
        assertThat(throttle.letThrough(event(NOISY, Level.ERROR, "failed"))).isZero();
        for (int i = 0; i < 29; i++) {
            now.addAndGet(Duration.ofSeconds(1).toNanos());
            assertThat(throttle.letThrough(event(NOISY, Level.ERROR, "failed"))).as("second %d", i + 1)
                    .isEqualTo(RepeatThrottle.LEAVE_OUT);
        }
        now.addAndGet(Duration.ofSeconds(1).toNanos());
        assertThat(throttle.letThrough(event(NOISY, Level.ERROR, "failed"))).isEqualTo(29);
        // quiet for a window: the next goes out, with nothing left out before it
        now.addAndGet(Duration.ofSeconds(31).toNanos());
        assertThat(throttle.letThrough(event(NOISY, Level.ERROR, "failed"))).isZero();
    }

    @Test
    void otherLoggersAndLevelsBelowWarnAreLeftAlone() {
        assertThat(throttle.letThrough(event(NOISY, Level.ERROR, "failed"))).isZero();
        assertThat(throttle.letThrough(event(NOISY, Level.INFO, "started"))).isZero();
        assertThat(throttle.letThrough(event("io.agentgateway.chat.TurnErrors", Level.WARN, "x"))).isZero();
        assertThat(throttle.letThrough(event("io.agentgateway.chat.TurnErrors", Level.WARN, "x"))).isZero();
        assertThat(throttle.letThrough(event(NOISY, Level.WARN, "failed"))).isEqualTo(RepeatThrottle.LEAVE_OUT);
    }

    @Test
    void theOutputWritesTheCountBeforeTheNextLineLetThrough() {
        ListAppender<ILoggingEvent> written = new ListAppender<>();
        written.setContext(context);
        written.start();
        AsyncLogOutput output = new AsyncLogOutput(throttle);
        output.setContext(context);
        output.addAppender(written);
        output.start();
        for (int i = 0; i < 31; i++) {
            output.doAppend(event(NOISY, Level.ERROR, "failure " + i));
            now.addAndGet(Duration.ofSeconds(1).toNanos());
        }
        output.doAppend(event("io.agentgateway.chat.TurnErrors", Level.WARN, "answer failed"));
        output.stop(); // writes out what is queued
        assertThat(written.list).extracting(ILoggingEvent::getFormattedMessage).containsExactly(
                "failure 0",
                "29 more lines like the next one from " + NOISY + " were left out in the last 30 s",
                "failure 30",
                "answer failed");
    }
}
