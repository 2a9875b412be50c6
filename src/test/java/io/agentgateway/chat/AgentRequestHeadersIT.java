package io.agentgateway.chat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.agentgateway.testing.GatewayProcess;
import io.agentgateway.testing.RawWebSocket;
import io.agentgateway.testing.StandInAgent;
import io.agentgateway.testing.YamlRoutes;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The headers routes/agent-http.yaml sets reach the agent over the wire, through agent-stream (AgentHttpRouteTest
 * checks the route with agent-stream swapped for a mock): an operator's copy of routes/ with one more header, whose
 * value is an environment placeholder, in a gateway process; a client whose handshake carries headers of its own.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AgentRequestHeadersIT {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String AGENT_KEY = "agent-key-7f3c91";
    private static final String CLIENT_COOKIE = "gw_session=client-cookie-4d2e";
    private static final String CLIENT_SECRET = "client-secret-b8a5";

    @TempDir
    static Path dir;
    private StandInAgent agent;
    private GatewayProcess gateway;

    @BeforeAll
    void start() throws Exception {
        Path routes = YamlRoutes.copyOperatorFiles(dir);
        String yaml = Files.readString(routes.resolve("agent-http.yaml"));
        // one more header just before the call, as an operator adds an agent's API key
        String withKey = yaml.replace("        - to:\n", """
                        - setHeader:
                            name: X-Api-Key
                            constant: "{{env:TEST_AGENT_KEY}}"
                        - to:
                """);
        assertThat(withKey).isNotEqualTo(yaml).containsOnlyOnce("X-Api-Key");
        Files.writeString(routes.resolve("agent-http.yaml"), withKey);

        agent = new StandInAgent().script(StandInAgent.openAi(List.of("heard ", "you"), Duration.ZERO));
        gateway = GatewayProcess.start("agent-headers", Map.of("GATEWAY__AGENT_URL", agent.url(),
                "TEST_AGENT_KEY", AGENT_KEY), dir);
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
    void theAgentGetsTheHeadersTheRouteSetsAndNoneOfTheClientsHandshake() throws Exception {
        try (RawWebSocket ws = RawWebSocket.connect(gateway.port(), "/ws/agent-headers",
                "Cookie: " + CLIENT_COOKIE, "X-Client-Secret: " + CLIENT_SECRET)) {
            ws.sendText("{\"type\":\"user_message\",\"content\":\"hello\",\"role\":\"user\"}");
            List<JsonNode> turn = new ArrayList<>();
            JsonNode f;
            do {
                RawWebSocket.Frame frame = ws.next();
                assertThat(frame).as("a frame before the final").isNotNull();
                f = MAPPER.readTree(frame.text());
                turn.add(f);
            } while (!f.path("is_final").asBoolean());
            // the answer came back: the request reached the agent and was understood
            assertThat(turn).extracting(n -> n.path("token").asText("")).containsExactly("heard ", "you", "");
        }

        assertThat(agent.requests()).hasSize(1);
        StandInAgent.Request request = agent.requests().get(0);
        assertThat(request.method()).isEqualTo("POST");
        assertThat(request.uri()).isEqualTo("/v1/chat/completions");
        var headers = request.headers();
        assertThat(headers.get("Content-Type")).isEqualTo("application/json");
        assertThat(headers.get("Accept")).isEqualTo("text/event-stream, application/x-ndjson, application/json");
        assertThat(headers.get("Accept-Encoding")).isEqualTo("identity");
        // the placeholder was resolved from the process's environment
        assertThat(headers.get("X-Api-Key")).isEqualTo(AGENT_KEY);
        assertThat(headers.names()).map(String::toLowerCase).doesNotContain("cookie", "x-client-secret")
                .noneMatch(n -> n.startsWith("sec-websocket") || n.startsWith("camel") || n.equals("upgrade"));
        assertThat(headers.toString()).doesNotContain(CLIENT_COOKIE, CLIENT_SECRET);
        // nothing but what the route sets and what HTTP itself needs (Host, the body's length)
        assertThat(headers.names()).map(String::toLowerCase).containsExactlyInAnyOrder(
                "host", "content-length", "content-type", "accept", "accept-encoding", "x-api-key");
    }
}
