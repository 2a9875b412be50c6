package io.agentgateway.config;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.PatternLayout;
import ch.qos.logback.classic.spi.LoggingEvent;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The text log layout writes what Logback's PatternLayout writes for the same pattern. */
class LogSetupTest {

    @Test
    void theTextLayoutWritesWhatLogbacksPatternLayoutWrites() {
        LoggerContext context = new LoggerContext();
        PatternLayout logback = new PatternLayout();
        logback.setContext(context);
        logback.setPattern(LogSetup.TEXT_PATTERN);
        logback.start();
        LogSetup.TextLayout ours = new LogSetup.TextLayout();
        ours.setContext(context);
        ours.start();

        Exception failure = new IllegalStateException("outer",
                new UncheckedIOException("middle", new IOException("inner")));
        failure.addSuppressed(new RuntimeException("suppressed"));
        List<LoggingEvent> events = List.of(
                event(context, "io.agentgateway.config.GatewayConfiguration", Level.WARN, "short {}", null, "x"),
                event(context, "org.apache.camel.impl.engine.AbstractCamelContext", Level.INFO, "long name", null),
                event(context, "org.apache.camel.component.platform.http.vertx.VertxPlatformHttpServer", Level.ERROR,
                        "failed: {}", failure, "details"),
                event(context, "Root", Level.DEBUG, "no package", null),
                event(context, "a.b", Level.TRACE, "", null));
        for (LoggingEvent e : events) {
            assertThat(ours.doLayout(e)).isEqualTo(logback.doLayout(e));
        }
    }

    private static LoggingEvent event(LoggerContext context, String logger, Level level, String message,
                                      Throwable thrown, Object... args) {
        Logger l = context.getLogger(logger);
        LoggingEvent e = new LoggingEvent(Logger.class.getName(), l, level, message, thrown, args);
        e.setThreadName("vert.x-eventloop-thread-1");
        return e;
    }
}
