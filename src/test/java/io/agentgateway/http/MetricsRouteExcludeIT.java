package io.agentgateway.http;

import java.time.Duration;
import java.util.List;

import io.agentgateway.testing.GatewayWithAgent;
import io.agentgateway.testing.RunningGateway;
import io.agentgateway.testing.StandInAgent;
import io.agentgateway.testing.WsClient;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code GATEWAY__METRICS_ROUTE_EXCLUDE}: the routes it names (by id or pattern) get no route metrics; the others
 * still count every exchange.
 */
class MetricsRouteExcludeIT extends GatewayWithAgent {

    @Override
    protected RunningGateway.Builder configure(RunningGateway.Builder builder) {
        return builder.property("gateway.metrics.route-exclude", "chat-turn,chat-s*");
    }

    @Test
    void excludedRoutesHaveNoRouteMetricsAndTheOthersStillCount() throws Exception {
        agent.script(StandInAgent.openAi(List.of("one ", "two"), Duration.ofMillis(5)));
        try (WsClient ws = gateway.connect("/ws/metrics-exclude")) {
            assertThat(ws.userMessage("count to two").untilFinal()).hasSize(3);
        }
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            PrometheusText metrics = PrometheusText.parse(gateway.get("/metrics").body());
            assertThat(metrics.value("camel_exchanges_total", "routeId", "ws-ingress")).isPositive();
            assertThat(metrics.value("camel_exchanges_total", "routeId", "dispatch")).isPositive();
            for (String excluded : List.of("chat-turn", "chat-stream")) {
                assertThat(metrics.find("camel_exchanges_total", "routeId", excluded)).as(excluded).isEmpty();
                assertThat(metrics.find("camel_route_policy_seconds_count", "routeId", excluded)).as(excluded)
                        .isEmpty();
            }
        });
    }
}
