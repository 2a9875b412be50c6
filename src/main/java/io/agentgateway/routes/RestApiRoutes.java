package io.agentgateway.routes;

import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.model.rest.RestBindingMode;

/** The REST configuration (platform-http, OpenAPI at /openapi.json) and {@code GET /health}. */
public class RestApiRoutes extends RouteBuilder {

    @Override
    public void configure() {
        restConfiguration()
                .component("platform-http")
                .bindingMode(RestBindingMode.off)
                .apiContextPath("/openapi.json")
                .apiProperty("api.title", "agent-gateway")
                .apiProperty("api.version", "1")
                .apiProperty("api.description", "REST API of agent-gateway; the WebSocket protocol is in the README");

        rest("/health").description("Liveness and the agent backend's state")
                .get()
                    .id("health-rest")
                    .produces("application/json")
                    .responseMessage().code(200)
                        .message("{status: ok|degraded, agent: {mode, url, reachable}, sessions, streams}")
                        .endResponseMessage()
                    .to("direct:health");

        from("direct:health").routeId("health").routeConfigurationId(ErrorHandlingConfiguration.ID)
                .process("healthReport");
    }
}
