package io.agentgateway.routes;

import org.apache.camel.builder.RouteConfigurationBuilder;

/** The gateway's one error policy: every failure is handled, and answered by {@link FailureReplier}. */
public class ErrorHandlingConfiguration extends RouteConfigurationBuilder {

    /** Routes opt in with {@code routeConfigurationId(ID)}. */
    public static final String ID = "gateway-errors";

    @Override
    public void configuration() {
        routeConfiguration(ID)
                .onException(Exception.class)
                .handled(true)
                .process("failureReplier");
    }
}
