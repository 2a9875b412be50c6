package io.agentgateway.chat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import io.agentgateway.testing.GatewayWithAgent;
import io.agentgateway.testing.RunningGateway;
import io.agentgateway.testing.StandInAgent;
import io.agentgateway.testing.WsClient;
import io.agentgateway.testing.WsClient.Frame;
import org.junit.jupiter.api.Test;

import static io.agentgateway.testing.StandInAgent.openAi;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** A chat answer streamed from a real HTTP agent to a real WebSocket client, through the running gateway. */
class ChatStreamingIT extends GatewayWithAgent {

    @Override
    protected RunningGateway.Builder configure(RunningGateway.Builder builder) {
        // no resume grace: a client that disconnects is gone, and its answer is cut off at once;
        // framesOfOneSocketAreHandledInTheOrderSent sends 300 frames at once: above the default frame rate (50/s)
        return builder.property("gateway.request-timeout", "2").property("gateway.session.resume-grace", "0")
                .property("gateway.ws.max-frames-per-second", "10000");
    }

    @Test
    void tokensArriveAsTheAgentSendsThemNotAtTheEnd() {
        List<String> tokens = List.of("one ", "two ", "three ", "four ", "five");
        agent.script(openAi(tokens, Duration.ofMillis(200)));
        try (WsClient ws = gateway.connect("/ws/spread")) {
            List<Frame> turn = ws.userMessage("count to five").untilFinal();

            assertThat(WsClient.joined(turn)).isEqualTo("one two three four five");
            List<Frame> pieces = turn.subList(0, turn.size() - 1);
            assertThat(pieces).extracting(f -> f.text("token")).containsExactlyElementsOf(tokens);
            assertThat(pieces).allSatisfy(f -> {
                assertThat(f.text("type")).isEqualTo("assistant_message");
                assertThat(f.isFinal()).isFalse();
            });
            Frame last = turn.get(turn.size() - 1);
            assertThat(last.isFinal()).isTrue();
            assertThat(last.text("token")).isEmpty();
            // 4 gaps of 200 ms between the first and last token: a relay that buffered would show ~0
            long spreadMs = (pieces.get(pieces.size() - 1).nanos() - pieces.get(0).nanos()) / 1_000_000;
            assertThat(spreadMs).isGreaterThanOrEqualTo(600);
            assertThat(turn).extracting(f -> f.json().path("seq").asLong()).isSorted().doesNotHaveDuplicates();
        }
    }

    @Test
    void agentGetsAnOpenAiRequestWithHistoryAndNothingOfTheClient() {
        agent.script(StandInAgent.echo(Duration.ZERO));
        int before = agent.requests().size();
        try (WsClient ws = gateway.connect("/ws/history-1?appid=app&token=secret-token")) {
            assertThat(WsClient.joined(ws.userMessage("first question").untilFinal())).isEqualTo("first question");
            assertThat(WsClient.joined(ws.userMessage("second question").untilFinal())).isEqualTo("second question");
        }
        StandInAgent.Request second = agent.requests().get(before + 1);
        assertThat(second.body().path("stream").asBoolean()).isTrue();
        assertThat(second.body().path("model").asText()).isEqualTo("default");
        assertThat(second.body().path("session_id").asText()).isEqualTo("history-1");
        assertThat(second.body().path("messages").toString()).isEqualTo(
                "[{\"role\":\"user\",\"content\":\"first question\"},"
                + "{\"role\":\"assistant\",\"content\":\"first question\"},"
                + "{\"role\":\"user\",\"content\":\"second question\"}]");
        assertThat(second.uri()).isEqualTo("/v1/chat/completions");
        assertThat(second.headers().names()).map(String::toLowerCase)
                .doesNotContain("appid", "token", "session_id", "camelvertxwebsocket.connectionkey",
                        "sec-websocket-key", "gatewaymessagetype");
        assertThat(second.headers().toString()).doesNotContain("secret-token");
    }

    @Test
    void plainSseAndNdjsonAgentsWorkToo() {
        try (WsClient ws = gateway.connect("/ws/formats")) {
            agent.script(StandInAgent.plainSse(List.of("plain ", "sse"), Duration.ofMillis(20)));
            assertThat(WsClient.joined(ws.userMessage("a").untilFinal())).isEqualTo("plain sse");
            agent.script(StandInAgent.ndjson(List.of("nd", "json"), Duration.ofMillis(20)));
            assertThat(WsClient.joined(ws.userMessage("b").untilFinal())).isEqualTo("ndjson");
        }
    }

    @Test
    void aSecondMessageWhileStreamingIsRefusedAndTheAnswerGoesOn() {
        agent.script(openAi(List.of("a", "b", "c", "d"), Duration.ofMillis(150)));
        try (WsClient ws = gateway.connect("/ws/busy")) {
            ws.userMessage("first");
            Frame firstToken = ws.next();
            assertThat(firstToken.text("token")).isEqualTo("a");
            ws.userMessage("second");
            List<Frame> rest = ws.untilFinal();
            assertThat(rest).filteredOn(f -> f.json().has("error") && !f.isFinal()).singleElement()
                    .satisfies(f -> assertThat(f.text("error")).contains("already streaming"));
            assertThat(rest).filteredOn(f -> !f.json().has("error")).extracting(f -> f.text("token"))
                    .containsExactly("b", "c", "d", "");
        }
    }

    @Test
    void cancelEndsTheTurnAtOnceAndTheAgentSeesItsConnectionClosed() throws Exception {
        agent.script(StandInAgent.endless(Duration.ofMillis(50)));
        try (WsClient ws = gateway.connect("/ws/cancel")) {
            ws.userMessage("go on forever");
            ws.next();
            ws.next();
            long cancelAt = System.nanoTime();
            ws.sendJson("type", "cancel");
            List<Frame> rest = ws.untilFinal();
            Frame last = rest.get(rest.size() - 1);
            assertThat(last.json().path("cancelled").asBoolean()).isTrue();
            assertThat(last.text("type")).isEqualTo("assistant_message");
            Long hungUp = agent.awaitHangUp(Duration.ofSeconds(2));
            assertThat(hungUp).as("agent saw its connection closed").isNotNull();
            assertThat((hungUp - cancelAt) / 1_000_000).isLessThan(1000);
            // nothing follows the final frame, and the socket serves the next turn
            assertThat(ws.poll(Duration.ofMillis(300))).isNull();
            agent.script(openAi(List.of("again"), Duration.ZERO));
            assertThat(WsClient.joined(ws.userMessage("next").untilFinal())).isEqualTo("again");
        }
    }

    @Test
    void cancelWithNothingStreamingIsAnError() {
        try (WsClient ws = gateway.connect("/ws/idle-cancel")) {
            Frame f = ws.sendJson("type", "cancel").next();
            assertThat(f.text("error")).isEqualTo("Nothing to cancel: no answer is streaming");
            assertThat(f.json().has("is_final")).isFalse();
        }
    }

    @Test
    void aClientThatDisconnectsMidAnswerAbortsTheAgentCall() throws Exception {
        agent.script(StandInAgent.endless(Duration.ofMillis(50)));
        WsClient ws = gateway.connect("/ws/disconnect");
        ws.userMessage("stream until I leave");
        ws.next();
        long goneAt = System.nanoTime();
        ws.abort();
        Long hungUp = agent.awaitHangUp(Duration.ofSeconds(3));
        assertThat(hungUp).as("agent saw its connection closed").isNotNull();
        assertThat((hungUp - goneAt) / 1_000_000).isLessThan(1500);
    }

    @Test
    void severalTurnsOnOneSocket() {
        agent.script(StandInAgent.echo(Duration.ZERO));
        try (WsClient ws = gateway.connect("/ws/many-turns")) {
            for (int i = 0; i < 5; i++) {
                assertThat(WsClient.joined(ws.userMessage("turn " + i).untilFinal())).isEqualTo("turn " + i);
            }
        }
    }

    @Test
    void agentFailuresEndTheTurnWithOneErrorFrameAndTheSocketStaysUsable() throws Exception {
        try (WsClient ws = gateway.connect("/ws/failures")) {
            agent.script(StandInAgent.status(500));
            assertTurnError(ws, "Agent answered HTTP 500");

            agent.script(StandInAgent.raw("text/event-stream", "data: this is not json\n\n"));
            assertTurnError(ws, "Agent sent a malformed stream");

            agent.script(StandInAgent.raw("text/event-stream", "data: {\"error\":{\"message\":\"model overloaded\"}}\n\n"));
            assertTurnError(ws, "Agent reported an error: model overloaded");

            long start = System.nanoTime();
            agent.script(StandInAgent.hangBeforeHeaders());
            assertTurnError(ws, "Agent timed out");
            assertThat((System.nanoTime() - start) / 1_000_000).isBetween(1500L, 4000L);

            agent.script(StandInAgent.hangAfter(List.of("partial ")));
            List<Frame> turn = ws.userMessage("x").untilFinal();
            assertThat(turn.get(0).text("token")).isEqualTo("partial ");
            assertThat(turn.get(turn.size() - 1).text("type")).isEqualTo("error");
            assertThat(turn.get(turn.size() - 1).text("error")).startsWith("Agent timed out");

            agent.script(openAi(List.of("fine"), Duration.ZERO));
            assertThat(WsClient.joined(ws.userMessage("still there?").untilFinal())).isEqualTo("fine");
        }
        // no failed turn outlives its error frame (it removes itself just after the frame is out)
        StreamRegistry streams = gateway.context().getRegistry().lookupByNameAndType("streamRegistry", StreamRegistry.class);
        await().atMost(Duration.ofSeconds(2)).until(() -> streams.current("failures").isEmpty());
    }

    private static void assertTurnError(WsClient ws, String expected) throws InterruptedException {
        List<Frame> turn = ws.userMessage("x").untilFinal();
        assertThat(turn).hasSize(1);
        Frame f = turn.get(0);
        assertThat(f.text("type")).isEqualTo("error");
        assertThat(f.text("error")).startsWith(expected);
        assertThat(f.isFinal()).isTrue();
        assertThat(ws.poll(Duration.ofMillis(100))).as("nothing after the error frame").isNull();
    }

    @Test
    void framesOfOneSocketAreHandledInTheOrderSent() {
        try (WsClient ws = gateway.connect("/ws/order")) {
            int n = 300;
            for (int i = 0; i < n; i++) {
                ws.sendJson("type", "kind-" + i);
            }
            for (int i = 0; i < n; i++) {
                assertThat(ws.next().text("error")).isEqualTo("Unsupported message type: kind-" + i);
            }
        }
    }

    @Test
    void hundredConcurrentSocketsEachGetExactlyTheirOwnAnswer() throws Exception {
        agent.script(StandInAgent.echo(Duration.ofMillis(10)));
        int sockets = 100;
        ExecutorService pool = Executors.newFixedThreadPool(sockets);
        try {
            List<Callable<String>> calls = new ArrayList<>();
            for (int i = 0; i < sockets; i++) {
                String text = "session " + i + " says " + "word ".repeat(5 + i % 7).trim();
                int id = i;
                calls.add(() -> {
                    try (WsClient ws = gateway.connect("/ws/concurrent-" + id)) {
                        List<Frame> turn = ws.userMessage(text).untilFinal(Duration.ofSeconds(20));
                        return WsClient.joined(turn).equals(text) && turn.get(turn.size() - 1).isFinal()
                                ? "ok" : "session " + id + " got: " + WsClient.joined(turn);
                    }
                });
            }
            List<String> results = new ArrayList<>();
            for (Future<String> f : pool.invokeAll(calls)) {
                results.add(f.get());
            }
            assertThat(results).containsOnly("ok").hasSize(sockets);
        } finally {
            pool.shutdownNow();
        }
    }
}
