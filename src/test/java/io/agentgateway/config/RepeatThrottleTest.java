package io.agentgateway.config;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import ch.qos.logback.core.spi.FilterReply;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import static org.assertj.core.api.Assertions.assertThat;

class RepeatThrottleTest {

    private static final String NOISY = RepeatThrottle.SPRING_SUBSCRIPTIONS;
    private final AtomicLong now = new AtomicLong(5_000);
    private final RepeatThrottle throttle = new RepeatThrottle(Set.of(NOISY), Duration.ofSeconds(30), now::get);
    private final LoggerContext context = new LoggerContext();

    private FilterReply log(String logger, Level level) {
        return throttle.decide(new LoggingEvent(getClass().getName(), context.getLogger(logger), level,
                "Connection failure occurred", null, null));
    }

    @Test
    void oneLineAWindowFromANamedLoggerAndTheCountOfTheRestWithTheNext() {
        Logger own = (Logger) LoggerFactory.getLogger(RepeatThrottle.class);
        ListAppender<ILoggingEvent> lines = new ListAppender<>();
        lines.start();
        own.addAppender(lines);
        try {
            assertThat(log(NOISY, Level.ERROR)).isEqualTo(FilterReply.NEUTRAL);
            for (int i = 0; i < 29; i++) {
                now.addAndGet(Duration.ofSeconds(1).toNanos());
                assertThat(log(NOISY, Level.ERROR)).as("second %d", i + 1).isEqualTo(FilterReply.DENY);
            }
            assertThat(lines.list).isEmpty();
            now.addAndGet(Duration.ofSeconds(1).toNanos());
            assertThat(log(NOISY, Level.ERROR)).isEqualTo(FilterReply.NEUTRAL);
            assertThat(lines.list).singleElement().extracting(ILoggingEvent::getFormattedMessage)
                    .isEqualTo("29 more lines like the next one from " + NOISY + " were left out in the last 30 s");

            // quiet for a window: the next is let through, with nothing to count
            now.addAndGet(Duration.ofSeconds(31).toNanos());
            assertThat(log(NOISY, Level.ERROR)).isEqualTo(FilterReply.NEUTRAL);
            assertThat(lines.list).hasSize(1);
        } finally {
            own.detachAppender(lines);
        }
    }

    @Test
    void otherLoggersAndLevelsBelowWarnAreLeftAlone() {
        assertThat(log(NOISY, Level.ERROR)).isEqualTo(FilterReply.NEUTRAL);
        assertThat(log(NOISY, Level.INFO)).isEqualTo(FilterReply.NEUTRAL);
        assertThat(log("io.agentgateway.chat.TurnErrors", Level.WARN)).isEqualTo(FilterReply.NEUTRAL);
        assertThat(log("io.agentgateway.chat.TurnErrors", Level.WARN)).isEqualTo(FilterReply.NEUTRAL);
        assertThat(log(NOISY, Level.WARN)).isEqualTo(FilterReply.DENY);
    }
}
