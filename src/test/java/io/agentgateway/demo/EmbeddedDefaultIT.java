package io.agentgateway.demo;

import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.agentgateway.config.GatewayConfiguration;
import io.agentgateway.testing.RunningGateway;
import io.agentgateway.testing.WsClient;
import io.agentgateway.testing.WsClient.Frame;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.slf4j.LoggerFactory;

import static org.assertj.core.api.Assertions.assertThat;

/** No configuration at all: the built-in demo agent answers over the gateway's own HTTP port. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EmbeddedDefaultIT {

    private RunningGateway gateway;
    private final ListAppender<ILoggingEvent> startupLog = new ListAppender<>();
    private final Logger configurationLogger = (Logger) LoggerFactory.getLogger(GatewayConfiguration.class);

    @BeforeAll
    void start() throws Exception {
        startupLog.start();
        configurationLogger.addAppender(startupLog);
        gateway = RunningGateway.builder().property("gateway.demo-agent.word-delay-ms", "80").start();
    }

    @AfterAll
    void stop() {
        configurationLogger.detachAppender(startupLog);
        gateway.close();
    }

    @Test
    void startUpWarnsThatWebSocketAuthIsOffAndTheInternalApiRefusesCalls() {
        assertThat(startupLog.list)
                .filteredOn(e -> e.getLevel() == Level.WARN)
                .extracting(ILoggingEvent::getFormattedMessage)
                .contains("FIXED_SECRET is not set: WebSocket authentication is OFF and anyone can connect",
                        "GATEWAY__INTERNAL_API_KEY is not set: POST /tool/execute refuses every call");
    }

    @Test
    void withNoInternalKeyConfiguredEveryToolCallIsRefused() throws Exception {
        try (WsClient ws = gateway.connect("/ws/demo-tools")) {
            var response = java.net.http.HttpClient.newHttpClient().send(
                    java.net.http.HttpRequest.newBuilder(gateway.url("/tool/execute/demo-tools"))
                            .header("X-Internal-Auth", "").header("Content-Type", "application/json")
                            .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"name\":\"t\"}")).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).isEqualTo(401);
            assertThat(response.body()).contains("Internal API disabled: GATEWAY__INTERNAL_API_KEY is not set");
            assertThat(ws.poll(java.time.Duration.ofMillis(200))).as("no tool_call reached the socket").isNull();
        }
    }

    @Test
    void healthSaysOkAndNamesTheDemoAgent() throws Exception {
        var response = gateway.get("/health");
        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode body = new ObjectMapper().readTree(response.body());
        assertThat(body.path("status").asText()).isEqualTo("ok");
        assertThat(body.path("agent").path("mode").asText()).isEqualTo("demo");
        assertThat(body.path("agent").path("reachable").asBoolean()).isTrue();
    }

    @Test
    void theDemoAgentEchoesWordByWordAtAHumanPace() {
        String text = "hello from the embedded default";
        try (WsClient ws = gateway.connect("/ws/demo")) {
            List<Frame> turn = ws.userMessage(text).untilFinal();
            assertThat(WsClient.joined(turn)).isEqualTo(text);
            List<Frame> words = turn.subList(0, turn.size() - 1);
            assertThat(words).extracting(f -> f.text("token"))
                    .containsExactly("hello ", "from ", "the ", "embedded ", "default");
            long spreadMs = (words.get(words.size() - 1).nanos() - words.get(0).nanos()) / 1_000_000;
            assertThat(spreadMs).as("4 pauses of 80 ms").isGreaterThanOrEqualTo(240);
        }
    }

    @Test
    void judgementsRunOnInProcessQueuesWithTheDemoWorker() throws Exception {
        try (WsClient ws = gateway.connect("/ws")) {
            ws.send("{\"type\":\"agent_judgement\",\"agent_ids\":[\"agent1\",\"agent2\"],"
                    + "\"data\":{\"user_input\":\"is this fine\"}}");
            List<Frame> frames = new java.util.ArrayList<>();
            while (frames.stream().filter(f -> f.text("type").equals("agent_judgement_final")).count() < 2) {
                frames.add(ws.next());
            }
            assertThat(frames).hasSize(6);
            for (String agent : List.of("agent1", "agent2")) {
                assertThat(frames).filteredOn(f -> f.text("agent_id").equals(agent)).extracting(f -> f.text("type"))
                        .containsExactly("agent_judgement_stream", "agent_judgement_stream", "agent_judgement_final");
            }
            assertThat(frames).extracting(f -> f.text("session_id")).containsOnly(frames.get(0).text("session_id"));
        }
        assertThat(gateway.get("/health").body()).contains("\"transport\":\"in-process\"");
    }

    @Test
    void aCancelledDemoAnswerStops() {
        try (WsClient ws = gateway.connect("/ws/demo-cancel")) {
            ws.userMessage("one two three four five six seven eight nine ten");
            ws.next();
            List<Frame> rest = ws.sendJson("type", "cancel").untilFinal();
            assertThat(rest.get(rest.size() - 1).json().path("cancelled").asBoolean()).isTrue();
            assertThat(WsClient.joined(ws.userMessage("again").untilFinal())).isEqualTo("again");
        }
    }
}
