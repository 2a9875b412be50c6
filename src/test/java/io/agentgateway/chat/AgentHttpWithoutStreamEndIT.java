package io.agentgateway.chat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import io.agentgateway.testing.RunningGateway;
import io.agentgateway.testing.StandInAgent;
import io.agentgateway.testing.WsClient;
import io.agentgateway.testing.WsClient.Frame;
import io.agentgateway.testing.YamlRoutes;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * An operator's routes/agent-http.yaml without agent-stream's {@code streamEnd} (one written before it existed): the
 * turn's exchange then lasts the whole answer, and answers, failures mid-answer and cancels work as with it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AgentHttpWithoutStreamEndIT {

    @TempDir
    static Path dir;
    private StandInAgent agent;
    private RunningGateway gateway;

    @BeforeAll
    void start() throws Exception {
        Path routes = YamlRoutes.copyOperatorFiles(dir);
        String yaml = Files.readString(routes.resolve("agent-http.yaml"));
        String without = yaml.replaceAll("(?m)^\\s*streamEnd:.*\\n", "");
        assertThat(without).isNotEqualTo(yaml).doesNotContain("streamEnd:");
        Files.writeString(routes.resolve("agent-http.yaml"), without);

        agent = new StandInAgent();
        gateway = RunningGateway.builder().workDir(dir).agentUrl(agent.url())
                .property("gateway.request-timeout", "1").start();
    }

    @AfterAll
    void stop() throws Exception {
        if (gateway != null) {
            gateway.close();
        }
        if (agent != null) {
            agent.close();
        }
    }

    @Test
    void theExchangeLastsTheAnswerAndEveryEndStillComes() throws Exception {
        try (WsClient ws = gateway.connect("/ws/without-stream-end")) {
            agent.script(StandInAgent.openAi(List.of("one ", "two"), Duration.ofMillis(20)));
            assertThat(WsClient.joined(ws.userMessage("hi").untilFinal())).isEqualTo("one two");

            // while an answer streams, its exchange is in flight (with streamEnd it is not: AgentStreamIT)
            agent.script(StandInAgent.endless(Duration.ofMillis(50)));
            ws.userMessage("go on");
            assertThat(ws.next().text("type")).isEqualTo("assistant_message");
            assertThat(gateway.context().getInflightRepository().size()).isPositive();
            ws.send("{\"type\":\"cancel\"}");
            Frame last;
            do {
                last = ws.next();
            } while (!last.isFinal());
            assertThat(last.json().path("cancelled").asBoolean()).isTrue();
            await().atMost(Duration.ofSeconds(5)).until(() -> gateway.context().getInflightRepository().size() == 0);

            agent.script(StandInAgent.hangAfter(List.of("partial ")));
            List<Frame> turn = ws.userMessage("x").untilFinal();
            assertThat(turn.get(0).text("token")).isEqualTo("partial ");
            assertThat(turn.get(turn.size() - 1).text("type")).isEqualTo("error");
            assertThat(turn.get(turn.size() - 1).text("error")).startsWith("Agent timed out");
        }
    }
}
