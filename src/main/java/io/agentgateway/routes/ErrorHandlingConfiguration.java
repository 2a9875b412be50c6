package io.agentgateway.routes;

import org.apache.camel.LoggingLevel;
import org.apache.camel.builder.RouteConfigurationBuilder;

/** The gateway's one error policy: every failure is handled, and answered by {@link FailureReplier}. */
public class ErrorHandlingConfiguration extends RouteConfigurationBuilder {

    /** Routes opt in with {@code routeConfigurationId(ID)}. */
    public static final String ID = "gateway-errors";

    /** For routes that serve nobody waiting (polling loops, the demo worker): one log line per failure. */
    public static final String BACKGROUND = "background-errors";

    @Override
    public void configuration() {
        routeConfiguration(ID)
                .onException(Exception.class)
                .handled(true)
                .process("failureReplier");

        routeConfiguration(BACKGROUND)
                .onException(Exception.class)
                .handled(true)
                .log(LoggingLevel.WARN, "io.agentgateway.routes.Background",
                        "${routeId} failed: ${exception.class.simpleName}: ${exception.message}");
    }
}
