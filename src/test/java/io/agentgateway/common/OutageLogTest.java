package io.agentgateway.common;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

class OutageLogTest {

    private final Logger logger = (Logger) LoggerFactory.getLogger(OutageLogTest.class.getName() + ".outage");
    private final ListAppender<ILoggingEvent> lines = new ListAppender<>();
    private final AtomicLong now = new AtomicLong(1_000);
    private final OutageLog outage = new OutageLog(logger, "Store unavailable, kept here", "Store works again",
            now::get, Duration.ofSeconds(30));

    @BeforeEach
    void capture() {
        lines.start();
        logger.addAppender(lines);
    }

    @AfterEach
    void release() {
        logger.detachAppender(lines);
    }

    private List<String> messages() {
        return lines.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
    }

    private void advance(Duration d) {
        now.addAndGet(d.toNanos());
    }

    @Test
    void theFirstFailureIsLoggedThenOneLineEveryIntervalThenTheRecovery() {
        outage.failed("connection refused");
        for (int i = 0; i < 99; i++) {
            advance(Duration.ofMillis(100));
            outage.failed("connection refused");
        }
        assertThat(lines.list).extracting(ILoggingEvent::getLevel, ILoggingEvent::getFormattedMessage)
                .containsExactly(tuple(Level.WARN, "Store unavailable, kept here: connection refused"));
        assertThat(outage.failing()).isTrue();

        advance(Duration.ofSeconds(21)); // 30.9 s after the first
        outage.failed("timed out");
        assertThat(messages()).hasSize(2).last()
                .isEqualTo("Store unavailable, kept here: timed out (100 failures since the last line, 101 since it"
                           + " began 30 s ago)");

        advance(Duration.ofSeconds(4));
        outage.succeeded();
        outage.succeeded();
        assertThat(lines.list).hasSize(3).last().extracting(ILoggingEvent::getLevel, ILoggingEvent::getFormattedMessage)
                .containsExactly(Level.INFO, "Store works again, after 101 failures in 34 s");
        assertThat(outage.failing()).isFalse();
    }

    @Test
    void aNewOutageIsLoggedAtOnceWithItsOwnCounts() {
        outage.failed("first");
        outage.failed("first again");
        outage.succeeded();
        advance(Duration.ofSeconds(1));
        outage.failed("second");
        advance(Duration.ofSeconds(2));
        outage.succeeded();
        assertThat(messages()).containsExactly(
                "Store unavailable, kept here: first",
                "Store works again, after 2 failures in 0 s",
                "Store unavailable, kept here: second",
                "Store works again, after 1 failure in 2 s");
    }

    @Test
    void successWithoutAFailureLogsNothing() {
        outage.succeeded();
        assertThat(lines.list).isEmpty();
        assertThat(outage.failing()).isFalse();
    }
}
