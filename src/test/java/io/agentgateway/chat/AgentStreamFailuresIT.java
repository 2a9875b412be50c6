package io.agentgateway.chat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import io.agentgateway.testing.GatewayWithAgent;
import io.agentgateway.testing.RunningGateway;
import io.agentgateway.testing.StandInAgent;
import io.agentgateway.testing.WsClient;
import io.agentgateway.testing.WsClient.Frame;
import io.vertx.core.http.HttpServerResponse;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static io.agentgateway.testing.StandInAgent.json;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * An answer that fails after it has begun, in each stream format the gateway reads (ChatStreamingIT covers OpenAI
 * SSE only): the agent drops its connection after some tokens, or falls silent for longer than
 * GATEWAY__REQUEST_TIMEOUT. The client gets the tokens sent so far, then exactly one error final, then nothing.
 */
class AgentStreamFailuresIT extends GatewayWithAgent {

    private static final List<String> TOKENS = List.of("first ", "second ", "third");

    @Override
    protected RunningGateway.Builder configure(RunningGateway.Builder builder) {
        // a short silence limit keeps the timeout cases quick; no resume grace: nothing outlives a socket
        return builder.property("gateway.request-timeout", "1").property("gateway.session.resume-grace", "0");
    }

    /** The three stream formats as a stand-in agent writes them (as StandInAgent's openAi, plainSse, ndjson). */
    enum Format {
        OPENAI_SSE("text/event-stream", "data: {\"id\":\"x\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\"}}]}\n\n",
                t -> "data: {\"id\":\"x\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,"
                     + "\"delta\":{\"content\":" + json(t) + "}}]}\n\n"),
        PLAIN_SSE("text/event-stream", ": plain sse\n\n", t -> "event: token\ndata: {\"token\":" + json(t) + "}\n\n"),
        NDJSON("application/x-ndjson", "", t -> "{\"token\":" + json(t) + "}\n");

        final String contentType;
        final String head;
        final Function<String, String> frame;

        Format(String contentType, String head, Function<String, String> frame) {
            this.contentType = contentType;
            this.head = head;
            this.frame = frame;
        }

        /** The head and the tokens, in one write; {@code then} runs once they are on the wire. */
        void writeTokens(HttpServerResponse response, Runnable then) {
            StringBuilder body = new StringBuilder(head);
            TOKENS.forEach(t -> body.append(frame.apply(t)));
            response.setChunked(true).putHeader("Content-Type", contentType);
            response.write(body.toString()).onSuccess(v -> then.run());
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Format.class)
    void anAgentThatDropsItsConnectionMidAnswerEndsTheTurnWithOneErrorFinal(Format format) throws Exception {
        // the tokens are written (on the wire) before the connection is closed, without the body's last chunk
        agent.script((request, response, vertx) -> format.writeTokens(response, response::close));
        try (WsClient ws = gateway.connect("/ws/dropped-" + format)) {
            List<Frame> turn = ws.userMessage("tell me").untilFinal();

            assertTokensThenOneErrorFinal(ws, turn);
            assertThat(turn.get(turn.size() - 1).text("error")).startsWith("Agent stream failed").contains("closed");
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Format.class)
    void anAgentThatFallsSilentMidAnswerEndsTheTurnWithOneErrorFinalAfterTheTimeout(Format format) throws Exception {
        CompletableFuture<Long> agentCutOff = new CompletableFuture<>();
        agent.script((request, response, vertx) -> {
            // this request's own close handler (it replaces StandInAgent's hang-up record, shared by all requests)
            response.closeHandler(v -> agentCutOff.complete(System.nanoTime()));
            format.writeTokens(response, () -> { }); // and then nothing, with the body left open
        });
        try (WsClient ws = gateway.connect("/ws/silent-" + format)) {
            List<Frame> turn = ws.userMessage("tell me").untilFinal();

            assertTokensThenOneErrorFinal(ws, turn);
            Frame error = turn.get(turn.size() - 1);
            assertThat(error.text("error"))
                    .isEqualTo("Agent timed out: nothing received for 1 s (GATEWAY__REQUEST_TIMEOUT)");
            // the silence limit (1 s) counted from the last token, with margin for a busy machine
            long afterLastToken = (error.nanos() - turn.get(turn.size() - 2).nanos()) / 1_000_000;
            assertThat(afterLastToken).isBetween(900L, 4000L);
            // and the gateway let go of the silent agent's connection
            assertThat(agentCutOff.get(3, TimeUnit.SECONDS)).isNotNull();
        }
    }

    /**
     * All the tokens, in assistant_message frames (one each, or merged when the socket fell behind), then one error
     * final; nothing after it, and no other error.
     */
    private static void assertTokensThenOneErrorFinal(WsClient ws, List<Frame> turn) throws InterruptedException {
        List<Frame> tokens = turn.subList(0, turn.size() - 1);
        assertThat(WsClient.joined(tokens)).isEqualTo(String.join("", TOKENS));
        assertThat(tokens).allSatisfy(f -> {
            assertThat(f.text("type")).isEqualTo("assistant_message");
            assertThat(f.isFinal()).isFalse();
            assertThat(f.json().has("error")).isFalse();
        });
        Frame last = turn.get(turn.size() - 1);
        assertThat(last.text("type")).isEqualTo("error");
        assertThat(last.isFinal()).isTrue();
        assertThat(turn).extracting(f -> f.json().path("seq").asLong()).isSorted().doesNotHaveDuplicates();
        // a second end (another error, or a normal final) would come right after the first
        assertThat(ws.poll(Duration.ofMillis(500))).as("nothing after the error final").isNull();
    }
}
