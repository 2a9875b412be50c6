package io.agentgateway.session;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.agentgateway.testing.GatewayProcess;
import io.agentgateway.testing.RawWebSocket;
import io.agentgateway.testing.RedisServerExtension;
import io.agentgateway.testing.RunningGateway;
import io.agentgateway.testing.StandInAgent;
import io.agentgateway.testing.WsClient;
import io.agentgateway.testing.WsClient.Frame;
import io.vertx.core.Context;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Resuming from a merged frame's seq, end to end over real sockets: a client that fell behind gets tokens merged
 * under the highest seq they cover, drops mid-answer right after such a frame, and reconnects with that seq as
 * last_seq. It must get exactly the rest: every token once, whole, in order, then one final. In memory, with Redis,
 * and with Redis on a second instance that takes the session over from the first.
 */
class MergedFrameResumeIT {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    /** distinct tokens (numbered, of 2- to 4-byte characters too), so a duplicate or a gap cannot go unseen */
    private static final List<String> TOKENS = WholeTokens.varied(5_000);
    /**
     * Sent at once before the client reads anything: about 300 KB of frames, several times what a 16 KiB send
     * buffer and the client's 16 KiB receive buffer hold, so most of it waits in the session's stream and merges.
     */
    private static final int BURST = 4_000;
    private static final int MERGED_FRAME_BYTES = 1024;
    private static final Pattern TOKENS_TOTAL = Pattern.compile("(?m)^gateway_tokens_total(?:\\{[^}]*})? (\\S+)$");

    @RegisterExtension
    final RedisServerExtension redis = new RedisServerExtension();

    private final CompletableFuture<Void> release = new CompletableFuture<>();

    @Test
    void inMemoryAResumeFromAMergedFramesSeqGetsExactlyTheRestOfTheAnswer() throws Exception {
        try (StandInAgent agent = new StandInAgent().script(burstThenRest());
             RunningGateway gateway = gateway(agent, false)) {
            resumeAfterAMergedFrame(agent, gateway.port(), gateway.url("/metrics"), gateway::connect, "merged-mem");
        }
    }

    @Test
    void withRedisAResumeFromAMergedFramesSeqGetsExactlyTheRestOfTheAnswer() throws Exception {
        try (StandInAgent agent = new StandInAgent().script(burstThenRest());
             RunningGateway gateway = gateway(agent, true)) {
            resumeAfterAMergedFrame(agent, gateway.port(), gateway.url("/metrics"), gateway::connect, "merged-redis");
        }
    }

    @Test
    void aResumeOnAnotherInstanceFromAMergedFramesSeqGetsExactlyTheRestOfTheAnswer() throws Exception {
        try (StandInAgent agent = new StandInAgent().script(burstThenRest())) {
            // both start at once: two JVMs starting one after the other on a busy machine take twice as long
            GatewayProcess a = GatewayProcess.launch("merged-a", env(agent, "merged-a"), List.of());
            try (a; GatewayProcess b = GatewayProcess.launch("merged-b", env(agent, "merged-b"), List.of())) {
                a.awaitHealthy();
                b.awaitHealthy();
                // asked on A, resumed on B: B takes the session over, A hands its stream over and forwards the rest
                resumeAfterAMergedFrame(agent, a.port(), a.url("/metrics"), b::connect, "merged-roaming");
            }
        }
    }

    private RunningGateway gateway(StandInAgent agent, boolean withRedis) throws Exception {
        RunningGateway.Builder b = RunningGateway.builder().agentUrl(agent.url())
                .property("gateway.ws.send-buffer-bytes", "16384")
                .property("gateway.session.merged-frame-bytes", Integer.toString(MERGED_FRAME_BYTES))
                .property("gateway.session.buffer-bytes", Integer.toString(8 << 20));
        if (withRedis) {
            b.redis(redis.server());
        }
        return b.start();
    }

    private Map<String, String> env(StandInAgent agent, String instance) {
        return Map.of("REDIS_HOST", "127.0.0.1", "REDIS_PORT", Integer.toString(redis.server().port()),
                "GATEWAY__INSTANCE_ID", instance, "GATEWAY__AGENT_URL", agent.url(),
                "GATEWAY__DEMO_WORKER", "false",
                // a busy 2-core machine may take a while to hand over; 1013 (try again) is not what this test is about
                "GATEWAY__HANDOVER_TIMEOUT", "10",
                "GATEWAY__WS_SEND_BUFFER_BYTES", "16384",
                "GATEWAY__MERGED_FRAME_BYTES", Integer.toString(MERGED_FRAME_BYTES),
                "GATEWAY__SESSION_BUFFER_BYTES", Integer.toString(8 << 20));
    }

    /**
     * Asks on {@code askPort}, lets the burst pile up unread, reads up to and including the first merged frame (a seq
     * jump over 1), drops the connection there mid-answer, lets the agent go on, and resumes through
     * {@code resumeOn} with that frame's seq: the frames of both connections must be the whole answer, once.
     */
    private void resumeAfterAMergedFrame(StandInAgent agent, int askPort, URI metrics,
                                         Function<String, WsClient> resumeOn, String session) throws Exception {
        double tokensBefore = tokensTotal(metrics);
        List<String> before = new ArrayList<>();
        long lastSeq = -1;
        try (RawWebSocket first = RawWebSocket.connect(askPort, "/ws/" + session, 16 * 1024)) {
            first.sendText("{\"type\":\"user_message\",\"content\":\"a long one, please\"}");
            // the whole burst is in the session's stream before the client reads: what does not fit in the socket's
            // buffers waits there, so it goes out merged once the client reads
            await().atMost(Duration.ofSeconds(30)).until(() -> tokensTotal(metrics) >= tokensBefore + BURST);
            long jump = 0;
            while (jump <= 1) {
                RawWebSocket.Frame f = first.read(Duration.ofSeconds(30));
                assertThat(f).as("a frame within 30 s (after %d)", before.size()).isNotNull();
                assertThat(f.opcode()).isEqualTo(RawWebSocket.TEXT);
                JsonNode n = MAPPER.readTree(f.text());
                assertThat(n.path("is_final").asBoolean()).as("the answer waits for the release: %s", n).isFalse();
                jump = n.path("seq").asLong() - lastSeq;
                assertThat(jump).as("seq strictly increasing").isPositive();
                lastSeq = n.path("seq").asLong();
                before.add(f.text());
            }
            assertThat(lastSeq).as("burst frames after the merged one are still unread: the resume must bring them")
                    .isLessThan(BURST - 1);
        } // dropped with bytes unread: a reset, no close frame, in the middle of the answer
        release.complete(null); // the agent goes on with the rest while nobody reads

        List<Frame> rest;
        try (WsClient again = resumeOn.apply("/ws/" + session + "?last_seq=" + lastSeq)) {
            Frame resumed = again.next();
            assertThat(resumed.text("type")).isEqualTo("resumed");
            assertThat(resumed.json().path("recovered").asBoolean()).as(resumed.json().toString()).isTrue();
            assertThat(resumed.json().path("last_seq").asLong()).isEqualTo(lastSeq);
            rest = again.untilFinal(Duration.ofSeconds(30));
            assertThat(again.poll(Duration.ofMillis(300))).as("nothing after the final").isNull();
        }

        Frame fin = rest.get(rest.size() - 1);
        assertThat(fin.text("type")).as(fin.raw()).isEqualTo("assistant_message");
        assertThat(fin.json().path("seq").asLong()).as("the final's seq: one per token before it")
                .isEqualTo(TOKENS.size());
        List<String> all = new ArrayList<>(before);
        rest.subList(0, rest.size() - 1).forEach(f -> all.add(f.raw()));
        // across both connections: every frame whole tokens under its last token's seq, tiling the answer once, in
        // order: so the resume started right after the merged frame's last token, no duplicate and no gap
        List<WholeTokens.Range> ranges = WholeTokens.assertTiled(TOKENS, 0, all);
        for (int i = 1; i < ranges.size(); i++) {
            assertThat(ranges.get(i).seq()).as("seq strictly increasing across both connections")
                    .isGreaterThan(ranges.get(i - 1).seq());
        }
        assertThat(ranges.get(before.size()).first()).as("the first frame after the resume")
                .isEqualTo(ranges.get(before.size() - 1).last() + 1);
        assertThat(agent.hangUpCount()).as("the answer went on through the drop: the agent was never cut off").isZero();
    }

    private static double tokensTotal(URI metrics) throws Exception {
        String body = HTTP.send(HttpRequest.newBuilder(metrics).timeout(Duration.ofSeconds(10)).GET().build(),
                HttpResponse.BodyHandlers.ofString()).body();
        Matcher m = TOKENS_TOTAL.matcher(body);
        assertThat(m.find()).as("gateway_tokens_total in /metrics").isTrue();
        return Double.parseDouble(m.group(1));
    }

    /**
     * OpenAI SSE: the first {@link #BURST} tokens at once, then, once the test releases it, the rest and the end.
     */
    private StandInAgent.Script burstThenRest() {
        return (r, response, vertx) -> {
            response.setChunked(true).putHeader("Content-Type", "text/event-stream");
            response.write(StandInAgent.openAiEvents(TOKENS.subList(0, BURST)));
            Context here = vertx.getOrCreateContext();
            release.thenRun(() -> here.runOnContext(v -> {
                if (!response.closed()) {
                    response.end(StandInAgent.openAiEvents(TOKENS.subList(BURST, TOKENS.size())) + "data: [DONE]\n\n");
                }
            }));
        };
    }
}
