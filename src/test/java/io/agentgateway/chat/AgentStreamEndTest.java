package io.agentgateway.chat;

import java.io.IOException;
import java.time.Duration;
import java.util.Map;

import io.agentgateway.common.GatewayHeaders;
import org.apache.camel.CamelContext;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.component.mock.MockEndpoint;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** How an answer's end reaches the streamEnd endpoint, and what happens when nothing takes it there. */
class AgentStreamEndTest {

    private final TurnMetricsTest.Recording metrics = new TurnMetricsTest.Recording();
    private final TurnMetricsTest.QuietStream stream = new TurnMetricsTest.QuietStream();

    @Test
    void theEndCarriesTheCallsPropertiesAndItsFailure() throws Exception {
        try (CamelContext context = new DefaultCamelContext()) {
            context.addRoutes(new RouteBuilder() {
                @Override
                public void configure() {
                    from("direct:end").routeId("end").to("mock:end");
                }
            });
            context.start();
            AgentStreamEnd end = new AgentStreamEnd(context.getEndpoint("direct:end"));
            end.start();
            Turn turn = TurnMetricsTest.quietTurn(stream, metrics);
            MockEndpoint mock = context.getEndpoint("mock:end", MockEndpoint.class);
            mock.expectedMessageCount(2);

            IOException cut = new IOException("connection reset");
            end.report(Map.of(GatewayHeaders.TURN, turn, "other", "kept"), null, turn);
            end.report(Map.of(GatewayHeaders.TURN, turn), cut, turn);

            mock.assertIsSatisfied();
            var normal = mock.getExchanges().get(0);
            assertThat(normal.getProperty(GatewayHeaders.TURN)).isSameAs(turn);
            assertThat(normal.getProperty("other")).isEqualTo("kept");
            assertThat(normal.getProperty(GatewayHeaders.AGENT_STREAM_FAILURE)).isNull();
            assertThat(mock.getExchanges().get(1).getProperty(GatewayHeaders.AGENT_STREAM_FAILURE)).isSameAs(cut);
            assertThat(turn.isFinished()).as("ending the turn is the route's business").isFalse();
            end.stop();
        }
    }

    @Test
    void anEndNothingTakesStillEndsTheTurnWithAnErrorFinal() throws Exception {
        try (CamelContext context = new DefaultCamelContext()) {
            context.start();
            // no route consumes it: as when the gateway stops and the route has stopped before the stream
            AgentStreamEnd end = new AgentStreamEnd(context.getEndpoint("direct:nobody"));
            end.start();
            Turn turn = TurnMetricsTest.quietTurn(stream, metrics);
            turn.emit("partial");

            long start = System.nanoTime();
            end.report(Map.of(GatewayHeaders.TURN, turn), null, turn);

            // at once: direct's default would wait 30 s for the route, on the stream's event loop
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
            assertThat(turn.isFinished()).isTrue();
            assertThat(stream.frames).hasSize(2);
            assertThat(stream.frames.get(1)).contains("\"type\":\"error\"").contains(AgentFailures.INTERNAL_ERROR)
                    .contains("\"is_final\":true");
            end.stop();
        }
    }
}
