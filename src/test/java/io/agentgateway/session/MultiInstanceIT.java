package io.agentgateway.session;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.agentgateway.testing.GatewayProcess;
import io.agentgateway.testing.RedisFixture;
import io.agentgateway.testing.StandInAgent;
import io.agentgateway.testing.WsClient;
import io.agentgateway.testing.WsClient.Frame;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import redis.clients.jedis.Jedis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Two gateway instances, separate processes, on one Redis behave as one gateway for what reaches a socket: a tool call
 * on either instance reaches the session's socket wherever it is, a takeover on one closes the older socket on the
 * other, and the history is shared.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MultiInstanceIT {

    private static final String KEY = "multi-instance-key";
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private RedisFixture redis;
    private StandInAgent agent;
    private GatewayProcess a;
    private GatewayProcess b;

    @BeforeAll
    void start() throws Exception {
        redis = RedisFixture.started();
        agent = new StandInAgent().script(StandInAgent.echo(Duration.ZERO));
        a = GatewayProcess.start("a", env("it-a"));
        b = GatewayProcess.start("b", env("it-b"));
    }

    private Map<String, String> env(String instance) {
        return Map.ofEntries(Map.entry("REDIS_HOST", "127.0.0.1"), Map.entry("REDIS_PORT", Integer.toString(redis.port())),
                Map.entry("GATEWAY__INSTANCE_ID", instance), Map.entry("GATEWAY__AGENT_URL", agent.url()),
                Map.entry("GATEWAY__INTERNAL_API_KEY", KEY), Map.entry("GATEWAY__TOOL_MAX_TIMEOUT", "5"),
                Map.entry("GATEWAY__DEMO_WORKER", "false"), Map.entry("GATEWAY__INSTANCE_TTL", "3"),
                Map.entry("GATEWAY__RESUME_GRACE", "1"));
    }

    @AfterAll
    void stop() throws Exception {
        for (AutoCloseable c : new AutoCloseable[] {a, b, agent, redis}) {
            if (c != null) {
                c.close();
            }
        }
    }

    /**
     * A socket whose OPEN has been handled (so its session is in the directory): its frames are handled in order, so
     * the answer to a harmless probe proves it.
     */
    private static WsClient opened(GatewayProcess g, String session) {
        WsClient ws = g.connect("/ws/" + session);
        assertThat(ws.send("{\"type\":\"tool_result\",\"call_id\":\"probe\",\"result\":1}").next().text("error"))
                .startsWith("Unknown call_id");
        return ws;
    }

    private CompletableFuture<HttpResponse<String>> toolCall(GatewayProcess g, String session, String body) {
        return HTTP.sendAsync(HttpRequest.newBuilder(g.url("/tool/execute/" + session))
                .header("X-Internal-Auth", KEY).header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(20)).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode json(HttpResponse<String> r) throws Exception {
        return MAPPER.readTree(r.body());
    }

    @Test
    void aToolCallOnTheOtherInstanceIsAnsweredByTheSocket() throws Exception {
        try (WsClient ws = opened(a, "tc-ok")) {
            var response = toolCall(b, "tc-ok", "{\"name\":\"read\",\"arguments\":{\"page\":1},\"call_id\":\"c1\"}");
            Frame call = ws.next();
            assertThat(call.text("type")).isEqualTo("tool_call");
            assertThat(call.text("call_id")).isEqualTo("c1");
            assertThat(call.json().path("seq").isIntegralNumber()).isTrue();
            ws.send("{\"type\":\"tool_result\",\"call_id\":\"c1\",\"result\":{\"text\":\"page one\"}}");
            HttpResponse<String> r = response.get(10, TimeUnit.SECONDS);
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(json(r)).isEqualTo(MAPPER.readTree("{\"call_id\":\"c1\",\"result\":{\"text\":\"page one\"}}"));

            var failing = toolCall(b, "tc-ok", "{\"name\":\"read\",\"call_id\":\"c2\"}");
            assertThat(ws.next().text("call_id")).isEqualTo("c2");
            ws.send("{\"type\":\"tool_result\",\"call_id\":\"c2\",\"error\":\"no such page\"}");
            assertThat(failing.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(502);
        }
    }

    @Test
    void noAnswerIs504AndASocketClosingIs410OnTheOtherInstance() throws Exception {
        try (WsClient ws = opened(a, "tc-timeout")) {
            long t0 = System.nanoTime();
            var response = toolCall(b, "tc-timeout", "{\"name\":\"slow\",\"timeout_s\":1}");
            assertThat(ws.next().text("type")).isEqualTo("tool_call");
            HttpResponse<String> r = response.get(10, TimeUnit.SECONDS);
            assertThat(r.statusCode()).isEqualTo(504);
            assertThat((System.nanoTime() - t0) / 1_000_000).isBetween(900L, 5000L);
        }
        WsClient ws = opened(a, "tc-gone");
        var response = toolCall(b, "tc-gone", "{\"name\":\"slow\",\"timeout_s\":5}");
        assertThat(ws.next().text("type")).isEqualTo("tool_call");
        long t0 = System.nanoTime();
        ws.close();
        HttpResponse<String> r = response.get(10, TimeUnit.SECONDS);
        assertThat(r.statusCode()).isEqualTo(410);
        assertThat((System.nanoTime() - t0) / 1_000_000).as("answered when the socket closed, not at the timeout")
                .isLessThan(4000L);
    }

    @Test
    void aSessionNobodyHoldsIs404OnEveryInstance() throws Exception {
        assertThat(toolCall(a, "nobody-here", "{\"name\":\"x\"}").get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(404);
        assertThat(toolCall(b, "nobody-here", "{\"name\":\"x\"}").get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(404);
    }

    @Test
    void aTakeoverOnOneInstanceClosesTheOlderSocketOnTheOtherWith4000() throws Exception {
        WsClient older = opened(a, "moved");
        try (WsClient newer = opened(b, "moved")) {
            assertThat(older.closed().get(10, TimeUnit.SECONDS)).isEqualTo(4000);
            // and the session's tool calls now reach the newer socket, from either instance
            var response = toolCall(a, "moved", "{\"name\":\"where\",\"call_id\":\"w\"}");
            assertThat(newer.next().text("call_id")).isEqualTo("w");
            newer.send("{\"type\":\"tool_result\",\"call_id\":\"w\",\"result\":\"here\"}");
            assertThat(response.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void oneAnswerAtATimePerSessionAcrossInstances() throws Exception {
        agent.script((r, response, vertx) -> (r.lastUserMessage().equals("forever")
                ? StandInAgent.endless(Duration.ofMillis(50)) : StandInAgent.echo(Duration.ZERO))
                .answer(r, response, vertx));
        try {
            WsClient first = opened(a, "one-at-a-time");
            first.userMessage("forever");
            assertThat(first.next().text("type")).isEqualTo("assistant_message");
            try (WsClient second = opened(b, "one-at-a-time")) {
                // the session moved to B, and the answer streaming on A goes on to B's socket: B may not start another
                second.userMessage("me too");
                Frame refusal = nextNonToken(second);
                assertThat(refusal.text("error")).startsWith("An answer is already streaming for this session");
                // a cancel on B reaches the answer on A, whose cancelled final comes back through B
                second.send("{\"type\":\"cancel\"}");
                Frame last = nextNonToken(second);
                assertThat(last.json().path("cancelled").asBoolean()).as(last.json().toString()).isTrue();
                await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(300)).untilAsserted(() ->
                        assertThat(second.userMessage("now?").next().text("type")).isEqualTo("assistant_message"));
                second.untilFinal();
            }
        } finally {
            agent.script(StandInAgent.echo(Duration.ZERO));
        }
    }

    /** The next frame that is not a token of an answer still streaming. */
    private static Frame nextNonToken(WsClient ws) {
        while (true) {
            Frame f = ws.next();
            if (!("assistant_message".equals(f.text("type")) && !f.isFinal())) {
                return f;
            }
        }
    }

    private static final java.util.List<String> LONG_ANSWER =
            java.util.stream.IntStream.range(0, 40).mapToObj(i -> "t" + i + " ").toList();

    private static long seq(Frame f) {
        return f.json().path("seq").asLong();
    }

    @Test
    void aClientResumesOnTheOtherInstanceAnAnswerStreamingOnTheFirst() throws Exception {
        agent.script(StandInAgent.openAi(LONG_ANSWER, Duration.ofMillis(40)));
        try {
            int hangUps = agent.hangUpCount();
            java.util.List<Frame> all = new java.util.ArrayList<>();
            WsClient first = opened(a, "roaming");
            first.userMessage("tell me");
            for (int i = 0; i < 5; i++) {
                all.add(first.next());
            }
            first.abort(); // the phone changed networks
            try (WsClient again = b.connect("/ws/roaming?last_seq=" + seq(all.get(4)))) {
                Frame resumed = again.next();
                assertThat(resumed.text("type")).isEqualTo("resumed");
                assertThat(resumed.json().path("recovered").asBoolean()).as(resumed.json().toString()).isTrue();
                all.addAll(again.untilFinal());
            }
            assertThat(WsClient.joined(all)).isEqualTo(String.join("", LONG_ANSWER));
            for (int i = 1; i < all.size(); i++) {
                assertThat(seq(all.get(i))).as("no gap, no duplicate").isEqualTo(seq(all.get(i - 1)) + 1);
            }
            assertThat(agent.hangUpCount()).as("the agent call on the first instance went on").isEqualTo(hangUps);
        } finally {
            agent.script(StandInAgent.echo(Duration.ZERO));
        }
    }

    @Test
    void anInstanceStoppedMidAnswerLeavesTheStoppingFinalForAResumeElsewhere() throws Exception {
        agent.script(StandInAgent.endless(Duration.ofMillis(50)));
        Map<String, String> env = new java.util.HashMap<>(env("it-stopping"));
        env.put("GATEWAY__SHUTDOWN_TIMEOUT", "1");
        try (GatewayProcess stopping = GatewayProcess.start("stopping", env)) {
            java.util.List<Frame> seen = new java.util.ArrayList<>();
            WsClient ws = opened(stopping, "stopped-session");
            ws.userMessage("never ends");
            for (int i = 0; i < 3; i++) {
                seen.add(ws.next());
            }
            // SIGTERM: the answer outlasts the 1 s drain and ends with the "stopping" final, on the socket and in Redis
            CompletableFuture<Void> stopped = CompletableFuture.runAsync(() -> {
                try {
                    stopping.close();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            Frame last;
            do {
                last = ws.next();
            } while (!last.isFinal());
            assertThat(last.text("error")).isEqualTo("Answer cut off: this gateway instance is stopping; ask again");
            ws.abort();
            stopped.get(30, TimeUnit.SECONDS);
            long seqOfFinal = seq(last);

            long resumedAt = System.nanoTime();
            try (WsClient again = b.connect("/ws/stopped-session?last_seq=" + seq(seen.get(2)))) {
                Frame resumed = again.next();
                assertThat(resumed.text("type")).isEqualTo("resumed");
                assertThat(resumed.json().path("recovered").asBoolean()).as(resumed.json().toString()).isTrue();
                java.util.List<Frame> rest = again.untilFinal();
                Frame replayed = rest.get(rest.size() - 1);
                assertThat(replayed.text("error")).as("the same final, not the interrupted one after the TTL")
                        .isEqualTo(last.text("error"));
                assertThat(seq(replayed)).isEqualTo(seqOfFinal);
                assertThat((System.nanoTime() - resumedAt) / 1_000_000).as("replayed, not waited for")
                        .isLessThan(2000L);
            }
        } finally {
            agent.script(StandInAgent.echo(Duration.ZERO));
        }
    }

    @Test
    void anInstanceKilledMidAnswerLeavesItsFramesAndAnInterruptedFinal() throws Exception {
        agent.script(StandInAgent.openAi(LONG_ANSWER, Duration.ofMillis(100)));
        try (GatewayProcess doomed = GatewayProcess.start("doomed", env("it-doomed"))) {
            java.util.List<Frame> seen = new java.util.ArrayList<>();
            WsClient ws = opened(doomed, "doomed-session");
            ws.userMessage("tell me");
            for (int i = 0; i < 5; i++) {
                seen.add(ws.next());
            }
            // killed once some of its frames are saved (in 20 ms batches; later on a loaded machine): an instance
            // that dies before saving any leaves nothing that says an answer was open
            try (Jedis jedis = new Jedis("127.0.0.1", redis.port())) {
                await().atMost(Duration.ofSeconds(5))
                        .until(() -> jedis.llen("gateway:{doomed-session}:frames") > 0);
            }
            doomed.kill();
            long killed = System.nanoTime();
            ws.abort();
            try (WsClient again = b.connect("/ws/doomed-session?last_seq=" + seq(seen.get(4)))) {
                Frame resumed = again.next(Duration.ofSeconds(10));
                assertThat(resumed.text("type")).isEqualTo("resumed");
                // recovered unless the last frame the client saw was not saved yet when the instance died
                boolean recovered = resumed.json().path("recovered").asBoolean();
                java.util.List<Frame> rest = again.untilFinal();
                long ms = (System.nanoTime() - killed) / 1_000_000;
                Frame last = rest.get(rest.size() - 1);
                assertThat(last.text("type")).isEqualTo("error");
                assertThat(last.text("error")).contains("interrupted");
                assertThat(ms).as("the interrupted final within GATEWAY__INSTANCE_TTL (3 s) and a margin")
                        .isLessThan(5000L);
                java.util.List<Frame> all = new java.util.ArrayList<>(seen);
                all.addAll(rest);
                if (recovered) {
                    for (int i = 1; i < all.size(); i++) {
                        assertThat(seq(all.get(i))).isEqualTo(seq(all.get(i - 1)) + 1);
                    }
                    assertThat(String.join("", LONG_ANSWER)).startsWith(WsClient.joined(all));
                } else {
                    assertThat(rest).as("only the final that ends the interrupted answer").hasSize(1);
                }
            }
        } finally {
            agent.script(StandInAgent.echo(Duration.ZERO));
        }
    }

    @Test
    void anInstanceKilledBeforeItSavedAnyFrameOfItsAnswerStillLeavesTheInterruptedFinal() throws Exception {
        try (GatewayProcess doomed = GatewayProcess.start("doomed2", env("it-doomed2"))) {
            WsClient ws = opened(doomed, "unsaved-session");
            assertThat(WsClient.joined(ws.userMessage("first").untilFinal())).isEqualTo("first"); // saved, final too
            try (Jedis jedis = new Jedis("127.0.0.1", redis.port())) {
                await().atMost(Duration.ofSeconds(5))
                        .until(() -> jedis.llen("gateway:{unsaved-session}:frames") >= 2);
            }
            agent.script(StandInAgent.openAi(LONG_ANSWER, Duration.ofMillis(100)));
            ws.userMessage("second");
            Frame first = ws.next();
            doomed.kill(); // at once: the store (saved every 20 ms) most likely has nothing of this answer
            ws.abort();
            Thread.sleep(4000); // the client comes back after the dead instance's TTL (3 s): its heartbeat is gone
            try (WsClient again = b.connect("/ws/unsaved-session?last_seq=" + seq(first))) {
                assertThat(again.next(Duration.ofSeconds(10)).text("type")).isEqualTo("resumed");
                java.util.List<Frame> rest = again.untilFinal(Duration.ofSeconds(10));
                Frame last = rest.get(rest.size() - 1);
                assertThat(last.text("type")).isEqualTo("error");
                assertThat(last.text("error")).contains("interrupted");
            }
        } finally {
            agent.script(StandInAgent.echo(Duration.ZERO));
        }
    }

    @Test
    void aClientReadingAnAnswerForwardedFromAnInstanceThatDiesGetsTheInterruptedFinal() throws Exception {
        agent.script(StandInAgent.openAi(LONG_ANSWER, Duration.ofMillis(100)));
        try (GatewayProcess doomed = GatewayProcess.start("doomed-producer", env("it-doomed-producer"))) {
            WsClient first = opened(doomed, "forwarded-session");
            first.userMessage("tell me");
            java.util.List<Frame> seen = new java.util.ArrayList<>();
            for (int i = 0; i < 3; i++) {
                seen.add(first.next());
            }
            first.abort();
            try (WsClient again = b.connect("/ws/forwarded-session?last_seq=" + seq(seen.get(2)))) {
                assertThat(again.next(Duration.ofSeconds(10)).text("type")).isEqualTo("resumed");
                // live frames forwarded from the producing instance, not only the replay
                Frame live = again.next(Duration.ofSeconds(10));
                while (seq(live) < seq(seen.get(2)) + 3) {
                    live = again.next(Duration.ofSeconds(10));
                }
                doomed.kill();
                long killed = System.nanoTime();
                java.util.List<Frame> rest = again.untilFinal();
                long ms = (System.nanoTime() - killed) / 1_000_000;
                Frame last = rest.get(rest.size() - 1);
                assertThat(last.text("type")).as(last.json().toString()).isEqualTo("error");
                assertThat(last.text("error")).contains("interrupted");
                assertThat(ms).as("the interrupted final within GATEWAY__INSTANCE_TTL (3 s) and a margin")
                        .isLessThan(5000L);
                assertThat(seq(last)).as("a seq the client has not had").isGreaterThan(seq(live));
            }
        } finally {
            agent.script(StandInAgent.echo(Duration.ZERO));
        }
    }

    @Test
    void theHistoryIsSharedWhicheverInstanceTakesTheTurn() throws Exception {
        try (WsClient ws = opened(a, "shared-history")) {
            assertThat(WsClient.joined(ws.userMessage("first words").untilFinal())).isEqualTo("first words");
        }
        try (WsClient ws = opened(b, "shared-history")) {
            assertThat(WsClient.joined(ws.userMessage("second words").untilFinal())).isEqualTo("second words");
        }
        JsonNode messages = agent.requests().stream()
                .filter(r -> r.lastUserMessage().equals("second words")).findFirst().orElseThrow().body().path("messages");
        assertThat(messages.toString()).contains("first words");
        assertThat(messages.size()).isEqualTo(3);
    }

    @Test
    void everySessionKeyCarriesTheSessionsHashTagAndEveryKeyExpires() throws Exception {
        try (WsClient ws = opened(a, "keyed-session")) {
            assertThat(WsClient.joined(ws.userMessage("some words").untilFinal())).isEqualTo("some words");
        }
        try (Jedis jedis = new Jedis("127.0.0.1", redis.port())) {
            // frames are saved in batches off the token path: poll until they are there
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
                Set<String> keys = jedis.keys("*keyed-session*");
                assertThat(keys).allMatch(k -> k.contains("{keyed-session}:"), "hash-tagged")
                        .anyMatch(k -> k.endsWith(":holder")).anyMatch(k -> k.endsWith(":frames"))
                        .anyMatch(k -> k.endsWith(":history"));
            });
            // the queue contract's job lists are popped by workers, so they alone may live without a TTL. Every other
            // key gets its TTL in the same atomic step that writes it, so none is ever seen without one
            for (String key : jedis.keys("*")) {
                if (!key.contains("jobs:")) {
                    assertThat(jedis.ttl(key)).as("TTL of %s (-1: none)", key).isNotEqualTo(-1L);
                }
            }
        }
    }
}
