package io.agentgateway.chat;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

import io.agentgateway.common.GatewayHeaders;
import io.agentgateway.testing.GatewayWithAgent;
import io.agentgateway.testing.StandInAgent;
import io.agentgateway.testing.WsClient;
import org.apache.camel.builder.AdviceWith;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * An answer's end comes to chat-stream-end as an exchange of its own, with the call's properties but not the state of
 * the call's routes, which completed when the answer began: their timer samples are not held for the answer's length.
 */
class AnswerEndPropertiesIT extends GatewayWithAgent {

    @Test
    void theEndCarriesTheTurnAndNoneOfTheCallsRouteTimers() throws Exception {
        List<Set<String>> seen = new CopyOnWriteArrayList<>();
        AdviceWith.adviceWith(gateway.context(), "chat-stream-end",
                a -> a.weaveAddFirst().process(e -> seen.add(Set.copyOf(e.getProperties().keySet()))));
        // advised, the route is added anew; the supervising route controller leaves it to be started
        gateway.context().getRouteController().startRoute("chat-stream-end");
        await().atMost(Duration.ofSeconds(10)).until(
                () -> gateway.context().getRouteController().getRouteStatus("chat-stream-end").isStarted());
        agent.script(StandInAgent.echo(Duration.ZERO));
        try (WsClient ws = gateway.connect("/ws/end-properties")) {
            List<WsClient.Frame> turn = ws.userMessage("hello").untilFinal();
            assertThat(turn.get(turn.size() - 1).json().has("error")).as("the final is no error: " + turn).isFalse();
            assertThat(WsClient.joined(turn)).isEqualTo("hello");
        }
        assertThat(seen).singleElement().satisfies(names -> {
            assertThat(names).contains(GatewayHeaders.TURN, GatewayHeaders.SOCKET);
            // only the end route's own timer, set as the exchange entered it
            assertThat(names).filteredOn(n -> n.startsWith(GatewayHeaders.ROUTE_TIMER_PREFIX))
                    .containsExactly(GatewayHeaders.ROUTE_TIMER_PREFIX + "chat-stream-end");
        });
    }
}
