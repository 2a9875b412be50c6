package io.agentgateway.chat;

import io.agentgateway.testing.GatewayWithAgent;
import io.agentgateway.testing.RunningGateway;
import io.agentgateway.testing.WsClient;
import io.agentgateway.testing.WsClient.Frame;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Auth off: answers have no identity, so GATEWAY__MAX_ANSWERS_PER_APP does not limit them. */
class AnswerLimitsAuthOffIT extends GatewayWithAgent {

    @Override
    protected RunningGateway.Builder configure(RunningGateway.Builder builder) {
        return builder.property("gateway.chat.max-answers-per-app", "1");
    }

    @Test
    void answersWithoutIdentityAreNotLimitedPerApp() {
        agent.script(AnswerLimitsIT.byContent());
        try (WsClient one = gateway.connect("/ws/ans-off-1?GatewayIdentity=app");
             WsClient two = gateway.connect("/ws/ans-off-2?GatewayIdentity=app");
             WsClient three = gateway.connect("/ws/ans-off-3")) {
            for (WsClient ws : new WsClient[] {one, two, three}) {
                Frame f = ws.userMessage("hold").next();
                assertThat(f.text("type")).as("streams: %s", f.json()).isEqualTo("assistant_message");
            }
            for (WsClient ws : new WsClient[] {one, two, three}) {
                assertThat(ws.next().text("type")).isEqualTo("assistant_message");
            }
        }
    }
}
