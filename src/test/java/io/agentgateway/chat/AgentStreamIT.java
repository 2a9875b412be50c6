package io.agentgateway.chat;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.agentgateway.session.SessionStreams;
import io.agentgateway.testing.GatewayWithAgent;
import io.agentgateway.testing.RawWebSocket;
import io.agentgateway.testing.RunningGateway;
import io.agentgateway.testing.StandInAgent;
import io.agentgateway.testing.WsClient;
import io.agentgateway.testing.WsClient.Frame;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The agent call holds no thread (agent-stream on Vert.x's HTTP client): many slow answers at once on a flat thread
 * count, lines cut anywhere between the agent's chunks, and a client that reads slowly holding the agent back
 * without the idle timeout taking it for a silent agent.
 */
class AgentStreamIT extends GatewayWithAgent {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final int STREAMS = 200;

    @Override
    protected RunningGateway.Builder configure(RunningGateway.Builder builder) {
        return builder.property("gateway.request-timeout", "1")
                .property("gateway.session.resume-grace", "0")
                // a small buffer, so that a client that does not read holds the agent back soon
                .property("gateway.session.buffer-bytes", "65536")
                .property("gateway.session.max-answer-bytes", Long.toString(64L * 1024 * 1024));
    }

    @Test
    void linesSplitAnywhereBetweenChunksAreRelayedWhole() {
        // OpenAI SSE, cut inside "data:", inside a JSON string, inside multi-byte characters, between \r and \n
        byte[] body = ("data: {\"choices\":[{\"delta\":{\"content\":\"héllo \"}}]}\r\n\r\n"
                       + "data: {\"choices\":[{\"delta\":{\"content\":\"wörld 🌍\"}}]}\r\n\r\n"
                       + "data: [DONE]\r\n\r\n").getBytes(StandardCharsets.UTF_8);
        List<byte[]> pieces = new ArrayList<>();
        int[] cuts = {3, 30, 41, 52, 54, 55, 90, 91, 96, 97, 99, 100, 101, body.length};
        int from = 0;
        for (int cut : cuts) {
            pieces.add(Arrays.copyOfRange(body, from, cut));
            from = cut;
        }
        agent.script(piecesApart(pieces, Duration.ofMillis(30)));
        try (WsClient ws = gateway.connect("/ws/split-lines")) {
            List<Frame> turn = ws.userMessage("split").untilFinal();
            assertThat(turn.subList(0, turn.size() - 1)).extracting(f -> f.text("token"))
                    .containsExactly("héllo ", "wörld 🌍");
            assertThat(turn.get(turn.size() - 1).isFinal()).isTrue();
            assertThat(turn.get(turn.size() - 1).text("type")).isEqualTo("assistant_message");
        }
    }

    @Test
    void manySlowAnswersAtOnceHoldNoThreadEach() throws Exception {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        Vertx clientVertx = Vertx.vertx();
        WebSocketClient client = clientVertx.createWebSocketClient(new WebSocketClientOptions()
                .setMaxConnections(STREAMS * 2).setTryUsePerMessageCompression(false));
        List<WebSocket> sockets = new ArrayList<>();
        AtomicInteger finals = new AtomicInteger();
        List<AtomicInteger> tokens = new ArrayList<>();
        try {
            for (int i = 0; i < STREAMS; i++) {
                AtomicInteger count = new AtomicInteger();
                tokens.add(count);
                WebSocket ws = client.connect(gateway.port(), "127.0.0.1", "/ws/many-" + i)
                        .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
                ws.textMessageHandler(text -> {
                    JsonNode frame = json(text);
                    if (frame.path("is_final").asBoolean()) {
                        finals.incrementAndGet();
                    } else if ("assistant_message".equals(frame.path("type").asText())) {
                        count.incrementAndGet();
                    }
                });
                sockets.add(ws);
            }
            // one short answer on every socket first: every pool the gateway (and this client) has is warm
            agent.script(StandInAgent.openAi(List.of("warm"), Duration.ZERO));
            sockets.forEach(ws -> ws.writeTextMessage("{\"type\":\"user_message\",\"content\":\"warm up\"}"));
            await().atMost(Duration.ofSeconds(30)).until(() -> finals.get() == STREAMS);
            tokens.forEach(t -> t.set(0));

            agent.script(StandInAgent.endless(Duration.ofMillis(100)));
            int before = threads.getThreadCount();
            threads.resetPeakThreadCount();
            sockets.forEach(ws -> ws.writeTextMessage("{\"type\":\"user_message\",\"content\":\"go on\"}"));
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> tokens.stream().allMatch(t -> t.get() >= 3));
            int during = threads.getThreadCount();
            int peak = threads.getPeakThreadCount();
            StreamRegistry streams = gateway.context().getRegistry()
                    .lookupByNameAndType("streamRegistry", StreamRegistry.class);
            assertThat(streams.active()).as("answers streaming at once").isEqualTo(STREAMS);
            // nor a Camel exchange each: the turn's exchange completed when its answer began (agent-stream's
            // streamEnd), so its route state is not kept for the answer's length
            assertThat(gateway.context().getInflightRepository().size())
                    .as("exchanges in flight while %d answers stream", STREAMS).isZero();
            // a thread per answer would add 200; allow for the JVM's own (JIT compiler threads come and go)
            assertThat(peak - before).as("threads started while %d answers stream (%d before, %d now, peak %d)",
                    STREAMS, before, during, peak).isLessThanOrEqualTo(12);

            // and every answer keeps moving
            int[] seen = tokens.stream().mapToInt(AtomicInteger::get).toArray();
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                for (int i = 0; i < STREAMS; i++) {
                    if (tokens.get(i).get() < seen[i] + 3) {
                        return false;
                    }
                }
                return true;
            });
            assertThat(finals.get()).as("no answer ended").isEqualTo(STREAMS);

            // sockets gone (no resume grace): every agent call is cut off
            int hangUpsBefore = agent.hangUpCount();
            sockets.forEach(WebSocket::close);
            await().atMost(Duration.ofSeconds(20)).until(() -> streams.active() == 0);
            await().atMost(Duration.ofSeconds(10)).until(() -> agent.hangUpCount() - hangUpsBefore == STREAMS);
        } finally {
            clientVertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void aClientThatReadsSlowlyHoldsTheAgentBackWithoutTimingItOut() throws Exception {
        long offered = 16L * 1024 * 1024;
        AtomicLong sent = new AtomicLong();
        agent.script(StandInAgent.firehose(offered, 1000, sent));
        SessionStreams sessions = gateway.context().getRegistry()
                .lookupByNameAndType("sessionStreams", SessionStreams.class);
        // a receive buffer well above loopback's 64 KB segments: a smaller one makes the reading client's TCP window
        // reopen only on the sender's zero-window probes, seconds apart
        try (RawWebSocket slow = RawWebSocket.connect(gateway.port(), "/ws/slow-reader", 256 * 1024)) {
            slow.sendText("{\"type\":\"user_message\",\"content\":\"everything\"}");
            // the client reads nothing: the gateway stops reading the agent, for longer than the 1 s idle timeout
            await().atMost(Duration.ofSeconds(10)).until(() -> !sessions.hasCapacity("slow-reader"));
            await().during(Duration.ofMillis(2500)).atMost(Duration.ofSeconds(5))
                    .until(() -> !sessions.hasCapacity("slow-reader"));
            assertThat(sent.get()).as("bytes the agent could send meanwhile").isLessThan(offered);

            // now it reads: the answer goes on to its normal end, every byte of it
            long tokenBytes = 0;
            JsonNode last;
            while (true) {
                RawWebSocket.Frame f = slow.next();
                assertThat(f).as("a frame before the final").isNotNull();
                last = json(f.text());
                if (last.path("is_final").asBoolean()) {
                    break;
                }
                tokenBytes += last.path("token").asText().length();
            }
            assertThat(last.path("type").asText()).as("final frame: %s", last).isEqualTo("assistant_message");
            assertThat(last.has("error")).isFalse();
            assertThat(tokenBytes).isEqualTo((offered + 1012) / 1013 * 1000); // whole 1013-byte lines of 1000-char tokens
        }
    }

    /** Writes {@code pieces} as separate chunks, {@code gap} apart, then ends the body. */
    private static StandInAgent.Script piecesApart(List<byte[]> pieces, Duration gap) {
        return (request, response, vertx) -> {
            response.setChunked(true).putHeader("Content-Type", "text/event-stream");
            int[] next = {0};
            vertx.setPeriodic(gap.toMillis(), id -> {
                if (response.closed() || next[0] == pieces.size()) {
                    vertx.cancelTimer(id);
                    if (!response.closed()) {
                        response.end();
                    }
                    return;
                }
                response.write(Buffer.buffer(pieces.get(next[0]++)));
            });
        };
    }

    private static JsonNode json(String text) {
        try {
            return MAPPER.readTree(text);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
