package io.agentgateway.chat;

import java.time.Duration;
import java.util.List;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.agentgateway.testing.RedisFixture;
import io.agentgateway.testing.RunningGateway;
import io.agentgateway.testing.StandInAgent;
import io.agentgateway.testing.TestWorker;
import io.agentgateway.testing.WsClient;
import io.agentgateway.testing.WsClient.Frame;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import static org.assertj.core.api.Assertions.assertThat;

/** GATEWAY__CHAT_BACKEND=queue: user_message becomes a Redis job; workers answer with assistant_message frames. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ChatOverQueueIT {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private RedisFixture redis;
    private TestWorker worker;
    private RunningGateway gateway;

    @BeforeAll
    void start() throws Exception {
        redis = RedisFixture.started();
        worker = new TestWorker(redis.port(), "gateway:", List.of("chat"));
        gateway = RunningGateway.builder()
                .redis(redis)
                .property("gateway.chat.backend", "queue")
                .property("gateway.request-timeout", "1.5")
                .start();
    }

    @AfterAll
    void stop() throws Exception {
        gateway.close();
        worker.close();
        redis.close();
    }

    private static String chat(String requestId, String token, boolean isFinal) {
        return MAPPER.createObjectNode().put("type", "assistant_message").put("session_id", requestId)
                .put("token", token).put("is_final", isFinal).toString();
    }

    /** Echoes the last user message a word at a time, {@code gapMs} apart. */
    private static TestWorker.Script echo(long gapMs) {
        return (job, reply) -> {
            String requestId = job.path("session_id").asText();
            var messages = job.path("data").path("messages");
            for (String w : StandInAgent.words(messages.get(messages.size() - 1).path("content").asText())) {
                reply.publish(chat(requestId, w, false));
                Thread.sleep(gapMs);
            }
            reply.publish(chat(requestId, "", true));
        };
    }

    @Test
    void aChatTurnIsAnsweredByAQueueWorkerWithHistory() {
        worker.script("chat", echo(0));
        try (WsClient ws = gateway.connect("/ws/queued-chat")) {
            assertThat(WsClient.joined(ws.userMessage("first over redis").untilFinal())).isEqualTo("first over redis");
            List<Frame> second = ws.userMessage("second one").untilFinal();
            assertThat(second).extracting(f -> f.text("token")).containsExactly("second ", "one", "");
            assertThat(second).extracting(f -> f.json().path("seq").asLong()).isSorted();
        }
        var job = worker.jobs().get(worker.jobs().size() - 1);
        assertThat(job.path("agent_id").asText()).isEqualTo("chat");
        assertThat(job.path("data").path("session_id").asText()).isEqualTo("queued-chat");
        assertThat(job.path("data").path("messages").toString()).isEqualTo(
                "[{\"role\":\"user\",\"content\":\"first over redis\"},"
                + "{\"role\":\"assistant\",\"content\":\"first over redis\"},"
                + "{\"role\":\"user\",\"content\":\"second one\"}]");
        assertThat(job.path("session_id").asText()).as("a request id, not the chat's").isNotEqualTo("queued-chat");
    }

    @Test
    void cancelEndsTheTurnAndLateRepliesReachNobody() throws Exception {
        worker.script("chat", echo(150));
        try (WsClient ws = gateway.connect("/ws/queued-cancel")) {
            ws.userMessage("one two three four five six");
            assertThat(ws.next().text("token")).isEqualTo("one ");
            List<Frame> rest = ws.sendJson("type", "cancel").untilFinal();
            assertThat(rest.get(rest.size() - 1).json().path("cancelled").asBoolean()).isTrue();
            worker.script("chat", echo(0));
            // the cancelled job's remaining words arrive at the gateway meanwhile and are dropped
            List<Frame> next = ws.userMessage("fresh").untilFinal();
            assertThat(WsClient.joined(next)).isEqualTo("fresh");
        }
    }

    @Test
    void aSilentWorkerTimesTheTurnOutAndAWorkerErrorEndsIt() {
        try (WsClient ws = gateway.connect("/ws/queued-silent")) {
            worker.script("chat", (job, reply) -> reply.publish(chat(job.path("session_id").asText(), "partial ", false)));
            long t0 = System.nanoTime();
            List<Frame> turn = ws.userMessage("hello?").untilFinal();
            assertThat(turn.get(0).text("token")).isEqualTo("partial ");
            assertThat(turn.get(turn.size() - 1).text("type")).isEqualTo("error");
            assertThat(turn.get(turn.size() - 1).text("error")).startsWith("Agent timed out");
            assertThat((System.nanoTime() - t0) / 1_000_000).isBetween(1300L, 4000L);

            worker.script("chat", (job, reply) -> reply.publish(MAPPER.createObjectNode().put("type", "error")
                    .put("session_id", job.path("session_id").asText()).put("error", "model offline").toString()));
            List<Frame> failed = ws.userMessage("again?").untilFinal();
            assertThat(failed).singleElement().satisfies(f ->
                    assertThat(f.text("error")).isEqualTo("Agent reported an error: model offline"));
        }
    }

    @Test
    void withoutRedisTheDemoWorkerAnswersQueuedChat() throws Exception {
        try (RunningGateway inProcess = RunningGateway.builder().property("gateway.chat.backend", "queue")
                .property("gateway.demo-worker.delay-ms", "10").start();
             WsClient ws = inProcess.connect("/ws/in-process-chat")) {
            assertThat(WsClient.joined(ws.userMessage("echo me please").untilFinal(Duration.ofSeconds(5))))
                    .isEqualTo("echo me please");
        }
    }
}
