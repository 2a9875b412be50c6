package io.agentgateway.session;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.agentgateway.testing.RawWebSocket;
import io.agentgateway.testing.RunningGateway;
import io.agentgateway.testing.StandInAgent;
import io.agentgateway.testing.WsClient;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Token-aware delivery over real sockets: a client that stops reading gets the tokens that waited for it merged into
 * fewer frames, exact and in order; a client of the same gateway that keeps up meanwhile gets one frame per token.
 */
class TokenMergingIT {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    /**
     * About 14 MB of frames: several times what the kernel's socket buffers take from the gateway before the stuck
     * client's socket counts as full (up to 4 MB here), so most of the answer waits in the session's stream.
     */
    private static final int TOKENS = 120_000;

    @Test
    void aClientThatFellBehindGetsTheWaitingTokensMergedAndOneThatKeepsUpGetsEachToken() throws Exception {
        Answer answer = Answer.of(TOKENS, i -> "token-" + i + " " + "é\"x\\".repeat(20) + " ");
        StandInAgent.Script all = allAtOnce(answer.tokens());
        StandInAgent.Script paced = StandInAgent.echo(Duration.ofMillis(10));
        try (StandInAgent agent = new StandInAgent().script((r, response, vertx) ->
                     (r.lastUserMessage().startsWith("everything") ? all : paced).answer(r, response, vertx));
             RunningGateway gateway = RunningGateway.builder().agentUrl(agent.url())
                     .property("gateway.session.buffer-bytes", Integer.toString(32 << 20))
                     .property("gateway.session.max-answer-bytes", Integer.toString(64 << 20))
                     .property("gateway.session.slow-client-timeout", "60")
                     .start();
             RawWebSocket slow = RawWebSocket.connect(gateway.port(), "/ws/slow", 16 * 1024)) {
            slow.sendText("{\"type\":\"user_message\",\"content\":\"everything, please\"}");
            // the whole answer reaches the session's stream while its client reads nothing
            await().atMost(Duration.ofSeconds(60)).until(() -> gateway.get("/metrics").body()
                    .matches("(?s).*gateway_answers_total\\{outcome=\"completed\"} [1-9].*"));

            // meanwhile a client that keeps up gets every token as its own frame, seq after seq
            try (WsClient quick = gateway.connect("/ws/quick")) {
                List<WsClient.Frame> turn = quick.userMessage("one two three four five six seven eight").untilFinal();
                assertThat(WsClient.joined(turn)).isEqualTo("one two three four five six seven eight");
                assertThat(turn).hasSize(9);
                for (int i = 0; i < turn.size(); i++) {
                    assertThat(turn.get(i).json().path("seq").asLong()).isEqualTo(i);
                }
            }

            // the stuck client reads again: everything arrives, merged, exact, in order, seq strictly increasing
            int frames = readAnswer(slow, answer.text(), TOKENS);
            assertThat(frames).as("frames for %d tokens and a final", TOKENS).isLessThan(TOKENS / 2);
            assertThat(gateway.get("/metrics").body()).containsPattern("gateway_merged_tokens_total [1-9]");
            assertThat(gateway.get("/metrics").body()).containsPattern("gateway_merged_frames_total [1-9]");
        }
    }

    @Test
    void aSmallSendBufferMakesTheTokensWaitingForASlowClientMergeSooner() throws Exception {
        // 5,000 tokens, about 0.6 MB of frames: the kernel's own (auto-tuned) buffers would take them all, one frame
        // per token; with GATEWAY__WS_SEND_BUFFER_BYTES at 16 KiB the socket reports itself full after about 60 KB
        int tokens = 5_000;
        Answer answer = Answer.of(tokens, i -> "word-" + i + " " + "x".repeat(40) + " ");
        try (StandInAgent agent = new StandInAgent().script(allAtOnce(answer.tokens()));
             RunningGateway gateway = RunningGateway.builder().agentUrl(agent.url())
                     .property("gateway.ws.send-buffer-bytes", "16384")
                     .property("gateway.session.buffer-bytes", Integer.toString(8 << 20))
                     .start();
             RawWebSocket slow = RawWebSocket.connect(gateway.port(), "/ws/small-buffer", 16 * 1024)) {
            slow.sendText("{\"type\":\"user_message\",\"content\":\"everything, please\"}");
            await().atMost(Duration.ofSeconds(30)).until(() -> gateway.get("/metrics").body()
                    .matches("(?s).*gateway_answers_total\\{outcome=\"completed\"} [1-9].*"));
            int frames = readAnswer(slow, answer.text(), tokens);
            // single-token frames until the kernel's buffers at both ends (each twice the size asked) and the
            // gateway's write queue, bounded by the setting too, are full: about 590 here; with the write queue at
            // Netty's own 64 KiB, 720 to 820. Then the rest merged.
            assertThat(frames).as("frames for %d tokens and a final", tokens).isLessThan(660);
        }
    }

    /**
     * At the merged frame's size cap, over real sockets: a token is never cut in two, whatever its characters. The
     * joined-text check of the tests above would pass a token split across two frames, so here every frame must be
     * a run of whole tokens, the runs must tile the answer in order, and each frame's seq must be its last token's.
     */
    @Test
    void atTheSizeCapEveryFrameIsARunOfWholeTokensUnderItsLastTokensSeq() throws Exception {
        int cap = 1024;
        List<String> tokens = WholeTokens.varied(6_000);
        try (StandInAgent agent = new StandInAgent().script(allAtOnce(tokens));
             RunningGateway gateway = RunningGateway.builder().agentUrl(agent.url())
                     .property("gateway.ws.send-buffer-bytes", "16384")
                     .property("gateway.session.merged-frame-bytes", Integer.toString(cap))
                     .property("gateway.session.buffer-bytes", Integer.toString(8 << 20))
                     .start();
             RawWebSocket slow = RawWebSocket.connect(gateway.port(), "/ws/at-the-cap", 16 * 1024)) {
            slow.sendText("{\"type\":\"user_message\",\"content\":\"everything, please\"}");
            // the whole answer waits in the session's stream before the client reads a byte: most of it merges
            await().atMost(Duration.ofSeconds(30)).until(() -> gateway.get("/metrics").body()
                    .matches("(?s).*gateway_answers_total\\{outcome=\"completed\"} [1-9].*"));
            List<String> tokenFrames = new ArrayList<>();
            JsonNode last;
            do {
                RawWebSocket.Frame f = slow.read(Duration.ofSeconds(30));
                assertThat(f).as("a frame within 30 s (after %d frames)", tokenFrames.size()).isNotNull();
                assertThat(f.opcode()).isEqualTo(RawWebSocket.TEXT);
                last = MAPPER.readTree(f.text());
                if (!last.path("is_final").asBoolean()) {
                    tokenFrames.add(f.text());
                }
            } while (!last.path("is_final").asBoolean());
            assertThat(last.path("seq").asLong()).as("the final's seq: one per token before it").isEqualTo(tokens.size());

            List<WholeTokens.Range> ranges = WholeTokens.assertTiled(tokens, 0, tokenFrames);
            List<WholeTokens.Range> merged = ranges.stream().filter(r -> r.tokens() > 1).toList();
            assertThat(merged).as("frames that merged several tokens, cut at the cap").hasSizeGreaterThan(20);
            assertThat(merged).allSatisfy(r -> assertThat(r.utf8Bytes()).as("%s", r).isLessThanOrEqualTo(cap));
        }
    }

    /**
     * Reads one answer to its final: the text exact, seq strictly increasing, the final's seq one per token before
     * it. Returns the frames it took.
     */
    private static int readAnswer(RawWebSocket socket, String answer, int tokens) throws Exception {
        StringBuilder joined = new StringBuilder();
        int frames = 0;
        long lastSeq = -1;
        JsonNode last;
        do {
            RawWebSocket.Frame f = socket.read(Duration.ofSeconds(30));
            assertThat(f).as("a frame within 30 s (after %d frames)", frames).isNotNull();
            assertThat(f.opcode()).isEqualTo(RawWebSocket.TEXT);
            last = MAPPER.readTree(f.text());
            assertThat(last.path("seq").asLong()).as("seq strictly increasing").isGreaterThan(lastSeq);
            lastSeq = last.path("seq").asLong();
            joined.append(last.path("token").asText());
            frames++;
        } while (!last.path("is_final").asBoolean());
        assertThat(joined.toString()).isEqualTo(answer);
        assertThat(lastSeq).as("the final's seq: one per token before it").isEqualTo(tokens);
        return frames;
    }

    /** An agent's tokens, and the answer they make joined. */
    private record Answer(List<String> tokens, String text) {
        static Answer of(int count, java.util.function.IntFunction<String> token) {
            List<String> tokens = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                tokens.add(token.apply(i));
            }
            return new Answer(tokens, String.join("", tokens));
        }
    }

    /** OpenAI SSE with every token written at once, as fast as the agent's connection takes them. */
    private static StandInAgent.Script allAtOnce(List<String> tokens) {
        return (r, response, vertx) -> {
            response.setChunked(true).putHeader("Content-Type", "text/event-stream");
            response.end(StandInAgent.openAiEvents(tokens) + "data: [DONE]\n\n");
        };
    }
}
