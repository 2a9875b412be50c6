package io.agentgateway.routes;

import org.apache.camel.builder.RouteBuilder;

/** {@code GET /health}. */
public class HealthRoutes extends RouteBuilder {

    @Override
    public void configure() {
        from("platform-http:/health?httpMethodRestrict=GET")
                .routeId("health").routeConfigurationId(ErrorHandlingConfiguration.ID)
                .process("healthReport");
    }
}
