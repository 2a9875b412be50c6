package io.agentgateway.config;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import ch.qos.logback.core.AppenderBase;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The switch to writing lines directly at the JVM's exit: when it returns, every line queued before it is out, a line
 * logged while it switches is not lost, and a line logged after it is written before its logger call returns.
 */
class AsyncLogOutputTest {

    private final LoggerContext context = new LoggerContext();

    /** An output that is slow, as a pipe to a busy reader is: the queue holds lines when the switch comes. */
    private static final class SlowOutput extends AppenderBase<ILoggingEvent> {
        /** read without the appender's lock, so a check does not wait for a write under way */
        final List<String> written = new CopyOnWriteArrayList<>();

        @Override
        protected void append(ILoggingEvent event) {
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            written.add(event.getFormattedMessage());
        }

        List<String> written() {
            return List.copyOf(written);
        }
    }

    @Test
    void afterTheSwitchEveryLineIsOutAndLaterOnesAreWrittenAtOnce() throws Exception {
        context.setMDCAdapter(new LogbackMDCAdapter());
        SlowOutput out = new SlowOutput();
        out.setContext(context);
        out.start();
        AsyncLogOutput output = new AsyncLogOutput(new RepeatThrottle(Set.of()));
        output.setContext(context);
        output.addAppender(out);
        output.start();

        // a logger that goes on while the switch happens, as Camel's shutdown hook logs while main flushes
        CountDownLatch halfway = new CountDownLatch(1);
        Thread logger = new Thread(() -> {
            for (int i = 0; i < 400; i++) {
                output.doAppend(event("line " + i));
                if (i == 200) {
                    halfway.countDown();
                }
            }
        });
        logger.start();
        assertThat(halfway.await(10, TimeUnit.SECONDS)).isTrue();
        output.writeThrough(Duration.ofSeconds(5));
        logger.join(10_000);
        assertThat(out.written()).as("every line, none lost in the switch").hasSize(400)
                .containsAll(List.of("line 0", "line 200", "line 399"));

        output.doAppend(event("after the switch"));
        assertThat(out.written()).last().isEqualTo("after the switch");
    }

    private ILoggingEvent event(String message) {
        return new LoggingEvent(getClass().getName(), context.getLogger("test"), Level.WARN, message, null, null);
    }
}
