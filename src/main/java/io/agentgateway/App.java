package io.agentgateway;

import java.time.Duration;

import io.agentgateway.config.InvalidConfigurationException;
import io.agentgateway.config.LogSetup;
import org.apache.camel.main.Main;

/**
 * Starts the gateway. Wiring lives in {@link io.agentgateway.config.GatewayConfiguration}; the Java routes are
 * listed in {@link Launch}, the YAML ones are {@code routes/*.yaml}.
 */
public final class App {

    /** Exit code for a setting the gateway cannot run with. */
    public static final int EXIT_BAD_CONFIGURATION = 2;
    /** How long a SIGTERM's exit waits for main to write out the last log lines (it does once Camel has stopped). */
    private static final Duration LAST_LINES_WAIT = Duration.ofSeconds(30);

    private App() {
    }

    public static void main(String[] args) throws Exception {
        Main main = new Main(App.class);
        Launch.configure(main);
        // on SIGTERM, keeps the JVM from halting before main has written out the last queued log lines
        Runtime.getRuntime().addShutdownHook(new Thread(() -> LogSetup.awaitFlush(LAST_LINES_WAIT), "log-flush"));
        int exitCode;
        try {
            exitCode = main.run(args);
        } catch (Exception e) {
            InvalidConfigurationException bad = findBadConfiguration(e);
            if (bad == null) {
                throw e;
            }
            System.err.println("agent-gateway: invalid configuration: " + bad.getMessage());
            exitCode = EXIT_BAD_CONFIGURATION;
        } finally {
            LogSetup.flush(); // the lines still queued for the output, Camel's last ones among them
        }
        if (exitCode != 0) {
            System.exit(exitCode);
        }
    }

    private static InvalidConfigurationException findBadConfiguration(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof InvalidConfigurationException bad) {
                return bad;
            }
        }
        return null;
    }
}
