package io.agentgateway.http;

import org.apache.camel.builder.RouteBuilder;

/**
 * {@code GET /metrics}: Prometheus text (exposition format 0.0.4) of Camel's route metrics, the JVM's and the
 * gateway's own. The step ({@code metricsScrape}) is bound by the wiring, which alone knows the registry.
 */
public class MetricsRoutes extends RouteBuilder {

    static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4";

    @Override
    public void configure() {
        rest("/metrics").description("Metrics in the Prometheus text format")
                .get()
                    .id("metrics-rest")
                    .produces(PROMETHEUS_TEXT)
                    .responseMessage().code(200)
                        .message("gateway_* and camel_* metrics, JVM metrics (text/plain; version=0.0.4)")
                        .endResponseMessage()
                    .to("direct:metrics");

        from("direct:metrics").routeId("metrics")
                .process("metricsScrape");
    }
}
