package io.agentgateway.config;

import java.time.Duration;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import ch.qos.logback.classic.ClassicConstants;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.pattern.Abbreviator;
import ch.qos.logback.classic.pattern.TargetLengthBasedClassNameAbbreviator;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.CoreConstants;
import ch.qos.logback.core.LayoutBase;
import ch.qos.logback.core.encoder.Encoder;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import ch.qos.logback.core.spi.ContextAwareBase;
import ch.qos.logback.core.util.CachingDateFormatter;
import net.logstash.logback.encoder.LogstashEncoder;
import net.logstash.logback.fieldnames.LogstashCommonFieldNames;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's Logback configuration, in code: one console appender writing readable lines, or JSON objects for
 * log shippers ({@code GATEWAY__LOG_FORMAT=json}), at INFO, from a thread of its own ({@link AsyncLogOutput}), so
 * that no caller waits on the output. Logback finds it through
 * META-INF/services/ch.qos.logback.classic.spi.Configurator before it looks for a logback.xml; reading one (Joran
 * and the JDK's XML parser) loaded about 400 classes, a tenth of what a start loads.
 * <p>
 * {@code -Dlogback.configurationFile=...} still takes a configuration file of the operator's own instead.
 *
 * <p>Logback starts before Camel reads application.properties, so the format is taken from the launch
 * environment: the system property {@code gateway.log.format} or the environment variable
 * {@code GATEWAY__LOG_FORMAT}. This class never fails on it: an unknown value yields text, so that the start-up
 * error {@link GatewaySettings} then raises for it is readable.
 */
public class LogSetup extends ContextAwareBase implements Configurator {

    /** counted down once {@link #flush} has run (main's end) */
    private static final CountDownLatch FLUSHED = new CountDownLatch(1);

    public static final String SYSTEM_PROPERTY = "gateway.log.format";
    public static final String ENV = "GATEWAY__LOG_FORMAT";
    /** What {@link TextLayout} writes, in Logback's pattern language. */
    static final String TEXT_PATTERN = "%d{HH:mm:ss.SSS} %-5level [%thread] %logger{36} - %msg%n";

    @Override
    public ExecutionStatus configure(LoggerContext context) {
        if (System.getProperty(ClassicConstants.CONFIG_FILE_PROPERTY) != null) {
            return ExecutionStatus.INVOKE_NEXT_IF_ANY; // logback's own configurator reads the operator's file
        }
        AsyncLogOutput async = new AsyncLogOutput(new RepeatThrottle(Set.of(RepeatThrottle.SPRING_SUBSCRIPTIONS)));
        async.setContext(context);
        async.addAppender(console(context));
        async.start();

        context.getLogger("org.apache.camel").setLevel(Level.INFO);
        context.getLogger("io.vertx").setLevel(Level.INFO);
        context.getLogger("org.apache.hc").setLevel(Level.WARN);
        ch.qos.logback.classic.Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.INFO);
        root.addAppender(async);
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }

    /**
     * For the end of main, once Camel and its event loops have stopped: from now on lines are written directly, so
     * that what is still logged while the JVM exits (a shutdown hook's last line) is not left in a queue whose daemon
     * thread may not get to it; then what waits in the queue is written out (for up to a second). A line logged in
     * that second may come out before the last queued ones. A no-op under an operator's own configuration.
     */
    public static synchronized void flush() {
        if (LoggerFactory.getILoggerFactory() instanceof LoggerContext context
                && context.getLogger(Logger.ROOT_LOGGER_NAME).getAppender(AsyncLogOutput.NAME) instanceof
                        AsyncLogOutput queued) {
            // the output stays attached and started: a line that raced with this switch is still written
            try {
                queued.writeThrough(Duration.ofSeconds(1));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        FLUSHED.countDown();
    }

    /**
     * For a shutdown hook of main's: on SIGTERM the JVM halts as soon as its shutdown hooks are done, and Camel's own
     * hook can be done (its last line queued) before main, once Camel has stopped, has written the queue out; so
     * this waits for {@link #flush}, up to {@code most}.
     */
    public static void awaitFlush(Duration most) {
        try {
            FLUSHED.await(most.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The console: readable lines, or JSON objects with {@code GATEWAY__LOG_FORMAT=json}. */
    private static ConsoleAppender<ILoggingEvent> console(LoggerContext context) {
        Encoder<ILoggingEvent> encoder = "json".equals(resolve(System.getProperty(SYSTEM_PROPERTY), System.getenv(ENV)))
                ? json(context)
                : text(context);
        ConsoleAppender<ILoggingEvent> out = new ConsoleAppender<>();
        out.setContext(context);
        out.setName("OUT");
        out.setEncoder(encoder);
        out.start();
        return out;
    }

    /** One readable line per event. */
    private static Encoder<ILoggingEvent> text(LoggerContext context) {
        TextLayout layout = new TextLayout();
        layout.setContext(context);
        layout.start();
        LayoutWrappingEncoder<ILoggingEvent> encoder = new LayoutWrappingEncoder<>();
        encoder.setContext(context);
        encoder.setLayout(layout);
        encoder.start();
        return encoder;
    }

    /**
     * {@link #TEXT_PATTERN}, and an event's exception below it as Logback adds one, written directly: Logback's
     * PatternLayout links some fifty converter constructors when it first loads, a noticeable part of start-up
     * for one fixed pattern.
     */
    static final class TextLayout extends LayoutBase<ILoggingEvent> {

        private final CachingDateFormatter time = new CachingDateFormatter("HH:mm:ss.SSS");
        private final Abbreviator loggerName = new TargetLengthBasedClassNameAbbreviator(36);

        @Override
        public String doLayout(ILoggingEvent event) {
            StringBuilder line = new StringBuilder(128);
            line.append(time.format(event.getTimeStamp())).append(' ');
            String level = event.getLevel().toString();
            line.append(level);
            for (int i = level.length(); i < 5; i++) {
                line.append(' ');
            }
            line.append(" [").append(event.getThreadName()).append("] ")
                    .append(loggerName.abbreviate(event.getLoggerName())).append(" - ")
                    .append(event.getFormattedMessage()).append(CoreConstants.LINE_SEPARATOR);
            IThrowableProxy thrown = event.getThrowableProxy();
            if (thrown != null) {
                line.append(ThrowableProxyUtil.asString(thrown));
            }
            return line.toString();
        }
    }

    /**
     * One JSON object per line: @timestamp (ISO-8601), level, logger_name, thread_name, message, stack_trace and any
     * MDC entries; not the version constant or the level's number, which no shipper needs.
     */
    private static Encoder<ILoggingEvent> json(LoggerContext context) {
        LogstashEncoder encoder = new LogstashEncoder();
        encoder.setContext(context);
        encoder.getFieldNames().setVersion(LogstashCommonFieldNames.IGNORE_FIELD_INDICATOR);
        encoder.getFieldNames().setLevelValue(LogstashCommonFieldNames.IGNORE_FIELD_INDICATOR);
        encoder.start();
        return encoder;
    }

    /** The format: "json" only for a json setting (the system property first), otherwise "text". */
    static String resolve(String systemProperty, String env) {
        String v = systemProperty != null && !systemProperty.isBlank() ? systemProperty : env;
        return v != null && v.trim().toLowerCase(Locale.ROOT).equals("json") ? "json" : "text";
    }
}
