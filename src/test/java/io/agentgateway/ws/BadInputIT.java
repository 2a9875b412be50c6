package io.agentgateway.ws;

import java.time.Duration;
import java.util.List;

import io.agentgateway.testing.GatewayWithAgent;
import io.agentgateway.testing.RunningGateway;
import io.agentgateway.testing.StandInAgent;
import io.agentgateway.testing.WsClient;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Bad frames get one precise error frame; the socket and every other session carry on. */
class BadInputIT extends GatewayWithAgent {

    private static final int LIMIT = 4096;

    @Override
    protected RunningGateway.Builder configure(RunningGateway.Builder builder) {
        return builder.property("gateway.ws.max-message-bytes", Integer.toString(LIMIT));
    }

    @Test
    void eachBadFrameGetsItsOwnErrorAndTheSocketStaysUsable() {
        agent.script(StandInAgent.echo(Duration.ZERO));
        try (WsClient ws = gateway.connect("/ws/bad-input")) {
            assertError(ws.send("hello?"), "Invalid message: not valid JSON");
            assertError(ws.send("[\"user_message\"]"), "Invalid message: expected a JSON object");
            assertError(ws.send("{\"content\":\"x\"}"), "Invalid message: missing field 'type'");
            assertError(ws.send("{\"type\":[1]}"), "Invalid message: field 'type' must be a string");
            assertError(ws.send("{\"type\":\"teleport\"}"), "Unsupported message type: teleport");
            assertError(ws.send("{\"type\":\"user_message\"}"), "Invalid user_message: missing field 'content'");
            assertError(ws.send("{\"type\":\"user_message\",\"content\":{\"a\":1}}"),
                    "Invalid user_message: field 'content' must be a string");
            assertError(ws.sendBinary("{\"type\":\"cancel\"}".getBytes()),
                    "Binary frames are not supported: send JSON as a text frame");
            assertThat(WsClient.joined(ws.userMessage("still works").untilFinal())).isEqualTo("still works");
        }
    }

    @Test
    void anOversizedMessageIsRefusedAndNobodyElseNotices() throws Exception {
        agent.script(StandInAgent.openAi(List.of("a ", "b ", "c ", "d ", "e"), Duration.ofMillis(100)));
        try (WsClient bystander = gateway.connect("/ws/bystander"); WsClient big = gateway.connect("/ws/big")) {
            bystander.userMessage("stream while someone misbehaves");
            String huge = "{\"type\":\"user_message\",\"content\":\"" + "x".repeat(LIMIT) + "\"}";
            big.send(huge);
            assertThat(big.next().text("error")).isEqualTo("Message too large: the limit is " + LIMIT + " bytes");
            // the socket that sent it still works; the other session lost nothing
            assertError(big.send("{\"type\":\"cancel\"}"), "Nothing to cancel: no answer is streaming");
            assertThat(WsClient.joined(bystander.untilFinal())).isEqualTo("a b c d e");
            // exactly at the limit is accepted
            String atLimit = "{\"type\":\"user_message\",\"content\":\"" + "y".repeat(LIMIT - 45) + "\"}";
            assertThat(atLimit.length()).isLessThanOrEqualTo(LIMIT);
            agent.script(StandInAgent.echo(Duration.ZERO));
            assertThat(WsClient.joined(big.send(atLimit).untilFinal())).startsWith("yyy");
        }
    }

    @Test
    void aFrameFarOverTheLimitCutsOnlyThatConnection() throws Exception {
        agent.script(StandInAgent.echo(Duration.ZERO));
        try (WsClient other = gateway.connect("/ws/other"); WsClient abuser = gateway.connect("/ws/abuser")) {
            abuser.send("x".repeat(LIMIT * 3));
            assertThat(abuser.closed().get(5, java.util.concurrent.TimeUnit.SECONDS)).isNotNull();
            assertThat(WsClient.joined(other.userMessage("unaffected").untilFinal())).isEqualTo("unaffected");
            assertThat(gateway.get("/health").statusCode()).isEqualTo(200);
        }
    }

    private static void assertError(WsClient ws, String message) {
        WsClient.Frame f = ws.next();
        assertThat(f.json().size()).as("an error frame is {\"error\": ...} only: %s", f.json()).isEqualTo(1);
        assertThat(f.text("error")).startsWith(message);
    }
}
