package io.agentgateway.http;

import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.model.rest.RestBindingMode;

/** The REST configuration (platform-http, OpenAPI at /openapi.json) and {@code GET /health}. */
public class RestApiRoutes extends RouteBuilder {

    @Override
    public void configure() {
        // /openapi.json is rendered on its first request, not while the gateway starts
        bindToRegistry("openApiOnFirstRequest", new OpenApiOnFirstRequest());
        restConfiguration()
                .component("platform-http")
                .bindingMode(RestBindingMode.off)
                // keep each REST verb's direct: route a route of its own, with its own id and error policy
                .inlineRoutes(false)
                .apiContextPath("/openapi.json")
                .apiContextRouteId("openapi-document")
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

        from("direct:health").routeId("health")
                .process("healthReport");
    }
}
