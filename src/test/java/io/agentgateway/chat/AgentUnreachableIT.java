package io.agentgateway.chat;

import java.util.List;

import io.agentgateway.testing.RunningGateway;
import io.agentgateway.testing.WsClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import static org.assertj.core.api.Assertions.assertThat;

/** An agent URL where nothing listens: each turn fails at once with a clear error; health says so. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AgentUnreachableIT {

    private RunningGateway gateway;

    @BeforeAll
    void start() throws Exception {
        int closedPort = RunningGateway.freePort();
        gateway = RunningGateway.builder()
                .agentUrl("http://127.0.0.1:" + closedPort + "/v1/chat/completions")
                .start();
    }

    @AfterAll
    void stop() {
        gateway.close();
    }

    @Test
    void aRefusedConnectionEndsTheTurnWithAnErrorAndTheSocketStaysOpen() {
        try (WsClient ws = gateway.connect("/ws/refused")) {
            for (int i = 0; i < 2; i++) {
                List<WsClient.Frame> turn = ws.userMessage("anyone there?").untilFinal();
                assertThat(turn).singleElement().satisfies(f -> {
                    assertThat(f.text("type")).isEqualTo("error");
                    assertThat(f.text("error")).startsWith("Agent unreachable").contains("refused");
                });
            }
            assertThat(ws.closed()).isNotDone();
        }
    }

    @Test
    void healthIsDegraded() throws Exception {
        var response = gateway.get("/health");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).contains("\"status\":\"degraded\"").contains("\"reachable\":false");
    }
}
