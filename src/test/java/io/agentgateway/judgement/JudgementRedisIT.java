package io.agentgateway.judgement;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.agentgateway.auth.TokenVerifier;
import io.agentgateway.testing.RedisFixture;
import io.agentgateway.testing.RunningGateway;
import io.agentgateway.testing.TestWorker;
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
 * The judgement protocol through a real redis-server, with a worker that speaks only the documented contract
 * over its own Redis connection. The seed's client (appid/token on /ws) is what the tests act as.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class JudgementRedisIT {

    private static final String SECRET = "your-secret-key";
    private static final String INSTANCE = "it-instance";
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private RedisFixture redis;
    private TestWorker worker;
    private RunningGateway gateway;
    private final TokenVerifier tokens = new TokenVerifier(SECRET, Clock.systemUTC());

    @BeforeAll
    void start() throws Exception {
        redis = RedisFixture.started();
        worker = new TestWorker(redis.port(), "gateway:", List.of("agent1", "agent2", "mute", "chatty"));
        gateway = gatewayOn(INSTANCE);
    }

    private RunningGateway gatewayOn(String instanceId) throws Exception {
        return RunningGateway.builder()
                .redis(redis)
                .property("gateway.instance-id", instanceId)
                .property("gateway.auth.fixed-secret", SECRET)
                .property("gateway.judgement.timeout", "2")
                .property("gateway.judgement.max-agents", "3")
                .start();
    }

    @AfterAll
    void stop() throws Exception {
        gateway.close();
        worker.close();
        redis.close();
    }

    private WsClient judgeClient(RunningGateway g) {
        String appid = "your_app_id";
        String token = tokens.currentToken(appid);
        return g.connect("/ws?appid=" + appid + "&token=" + token);
    }

    private static String request(String input, String... agents) {
        var n = MAPPER.createObjectNode().put("type", "agent_judgement");
        var ids = n.putArray("agent_ids");
        for (String a : agents) {
            ids.add(a);
        }
        n.putObject("data").put("user_input", input);
        return n.toString();
    }

    /** Frames until every named agent has sent its final. */
    private static List<Frame> untilFinals(WsClient ws, int agents) {
        List<Frame> frames = new ArrayList<>();
        int finals = 0;
        while (finals < agents) {
            Frame f = ws.next();
            frames.add(f);
            if ("agent_judgement_final".equals(f.text("type"))) {
                finals++;
            }
        }
        return frames;
    }

    @Test
    void twoAgentsEndToEnd() throws Exception {
        try (WsClient ws = judgeClient(gateway)) {
            ws.send(request("Your input here", "agent1", "agent2"));
            List<Frame> frames = untilFinals(ws, 2);

            Map<String, List<String>> byAgent = frames.stream().collect(Collectors.groupingBy(f -> f.text("agent_id"),
                    Collectors.mapping(f -> f.text("type") + ":" + f.json().path("data").toString(), Collectors.toList())));
            for (String agent : List.of("agent1", "agent2")) {
                assertThat(byAgent.get(agent)).containsExactly(
                        "agent_judgement_stream:{\"thinking\":\"" + agent + " thought 1\"}",
                        "agent_judgement_stream:{\"thinking\":\"" + agent + " thought 2\"}",
                        "agent_judgement_final:{\"judgement\":\"" + agent + " judges: Your input here\"}");
            }
            String sessionId = frames.get(0).text("session_id");
            assertThat(frames).allSatisfy(f -> assertThat(f.text("session_id")).isEqualTo(sessionId));
            assertThat(frames).filteredOn(f -> f.text("type").endsWith("final"))
                    .allSatisfy(f -> assertThat(f.json().path("result_code").asInt()).isZero());

            List<JsonNode> jobs = worker.jobs().stream()
                    .filter(j -> j.path("session_id").asText().equals(sessionId)).toList();
            assertThat(jobs).extracting(j -> j.path("agent_id").asText()).containsExactlyInAnyOrder("agent1", "agent2");
            for (JsonNode job : jobs) {
                assertThat(job.path("job_id").asText()).isNotBlank();
                assertThat(job.path("data")).isEqualTo(MAPPER.readTree("{\"user_input\":\"Your input here\"}"));
                assertThat(job.path("reply_to").asText()).matches("gateway:replies:" + INSTANCE + "-[0-9a-f]{8}");
                assertThat(Instant.parse(job.path("created_at").asText())).isBefore(Instant.now().plusSeconds(1));
            }
            assertThat(jobs.get(0).path("job_id").asText()).isNotEqualTo(jobs.get(1).path("job_id").asText());
        }
    }

    @Test
    void everyValidationErrorIsNamedAndTheSocketStaysUsable() {
        try (WsClient ws = judgeClient(gateway)) {
            String[][] cases = {
                {"nonsense", "Invalid message: not valid JSON"},
                {"{\"type\":\"user_message\",\"content\":\"hi\"}", "Unsupported message type: user_message"},
                {"{\"type\":\"agent_judgement\",\"data\":{\"user_input\":\"x\"}}", "Invalid agent_judgement: missing field 'agent_ids'"},
                {"{\"type\":\"agent_judgement\",\"agent_ids\":[],\"data\":{\"user_input\":\"x\"}}",
                    "Invalid agent_judgement: field 'agent_ids' must be a non-empty list of strings"},
                {"{\"type\":\"agent_judgement\",\"agent_ids\":\"agent1\",\"data\":{\"user_input\":\"x\"}}",
                    "Invalid agent_judgement: field 'agent_ids' must be a non-empty list of strings"},
                {"{\"type\":\"agent_judgement\",\"agent_ids\":[\"a\",7],\"data\":{\"user_input\":\"x\"}}",
                    "Invalid agent_judgement: every entry of 'agent_ids' must be a non-empty string"},
                {"{\"type\":\"agent_judgement\",\"agent_ids\":[\"a\",\"\"],\"data\":{\"user_input\":\"x\"}}",
                    "Invalid agent_judgement: every entry of 'agent_ids' must be a non-empty string"},
                {"{\"type\":\"agent_judgement\",\"agent_ids\":[\"a\",\"a\"],\"data\":{\"user_input\":\"x\"}}",
                    "Invalid agent_judgement: 'agent_ids' names a twice"},
                {"{\"type\":\"agent_judgement\",\"agent_ids\":[\"a\",\"b\",\"c\",\"d\"],\"data\":{\"user_input\":\"x\"}}",
                    "Invalid agent_judgement: field 'agent_ids' names 4 agents, at most 3 are allowed"},
                {"{\"type\":\"agent_judgement\",\"agent_ids\":[\"a\"]}", "Invalid agent_judgement: missing field 'data'"},
                {"{\"type\":\"agent_judgement\",\"agent_ids\":[\"a\"],\"data\":\"x\"}",
                    "Invalid agent_judgement: field 'data' must be an object"},
                {"{\"type\":\"agent_judgement\",\"agent_ids\":[\"a\"],\"data\":{}}",
                    "Invalid agent_judgement: missing field 'data.user_input'"},
                {"{\"type\":\"agent_judgement\",\"agent_ids\":[\"a\"],\"data\":{\"user_input\":3}}",
                    "Invalid agent_judgement: field 'data.user_input' must be a string"},
            };
            for (String[] c : cases) {
                Frame f = ws.send(c[0]).next();
                assertThat(f.json().size()).as("only {\"error\"} for %s", c[0]).isEqualTo(1);
                assertThat(f.text("error")).as(c[0]).startsWith(c[1]);
            }
            ws.send(request("still fine", "agent1"));
            assertThat(untilFinals(ws, 1)).last().satisfies(f -> assertThat(f.json().path("data").path("judgement").asText())
                    .isEqualTo("agent1 judges: still fine"));
        }
    }

    @Test
    void malformedAndForeignRepliesAreDroppedAndReachNobody() {
        worker.script("chatty", (job, reply) -> {
            reply.publish("not json at all");
            reply.publish("[1,2,3]");
            reply.publish("{\"type\":\"agent_judgement_verdict\",\"session_id\":\"" + job.path("session_id").asText()
                          + "\",\"agent_id\":\"chatty\",\"data\":{}}");
            reply.publish("{\"type\":\"agent_judgement_stream\",\"session_id\":\"" + job.path("session_id").asText()
                          + "\",\"agent_id\":\"chatty\",\"data\":\"not an object\"}");
            reply.publish("{\"type\":\"agent_judgement_final\",\"session_id\":\"" + job.path("session_id").asText()
                          + "\",\"agent_id\":\"chatty\",\"data\":{}}");
            // a session the gateway does not hold, and an agent the request did not ask
            reply.publish(TestWorker.stream(MAPPER.createObjectNode().put("session_id", "someone-else")
                    .put("agent_id", "chatty"), "leak?"));
            reply.publish(TestWorker.stream(MAPPER.createObjectNode().put("session_id", job.path("session_id").asText())
                    .put("agent_id", "agent2"), "not asked"));
            reply.publish(TestWorker.stream(job, "the only thought that counts"));
            reply.publish(TestWorker.fin(job, 0, "done"));
        });
        try (WsClient asker = judgeClient(gateway); WsClient bystander = judgeClient(gateway)) {
            asker.send(request("q", "chatty"));
            List<Frame> frames = untilFinals(asker, 1);
            assertThat(frames).extracting(f -> f.text("type") + ":" + f.json().path("data").toString()).containsExactly(
                    "agent_judgement_stream:{\"thinking\":\"the only thought that counts\"}",
                    "agent_judgement_final:{\"judgement\":\"done\"}");
            assertThat(bystander.poll(Duration.ofMillis(300))).isNull();
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
        // the reply route is still up
        try (WsClient ws = judgeClient(gateway)) {
            ws.send(request("after the garbage", "agent1"));
            assertThat(untilFinals(ws, 1)).hasSize(3);
        }
    }

    @Test
    void repliesReachTheSocketAsTheWorkerWroteThem() {
        String[] written = new String[2];
        worker.script("chatty", (job, reply) -> {
            String ids = "\"session_id\": \"" + job.path("session_id").asText() + "\", \"agent_id\": \"chatty\"";
            // spacing, an escape, an exponent and more digits than a double keeps: a re-written tree loses each
            written[0] = "{\"type\": \"agent_judgement_stream\", " + ids
                         + ", \"data\": {\"thinking\": \"caf\\u00e9\", \"score\": 1e3}}";
            written[1] = "{ \"type\":\"agent_judgement_final\", " + ids
                         + ", \"result_code\": 0, \"data\": {\"p\": 0.10000000000000000555111512312578270}}";
            reply.publish(written[0]);
            reply.publish(written[1]);
        });
        try (WsClient asker = judgeClient(gateway)) {
            asker.send(request("as written", "chatty"));
            assertThat(untilFinals(asker, 1)).extracting(Frame::raw).containsExactly(written[0], written[1]);
        }
    }

    @Test
    void anAgentThatNeverSendsItsFinalGetsATimeoutFinal() {
        worker.script("mute", TestWorker.silent());
        try (WsClient ws = judgeClient(gateway)) {
            long t0 = System.nanoTime();
            ws.send(request("anyone?", "agent1", "mute"));
            List<Frame> frames = untilFinals(ws, 2);
            long ms = (System.nanoTime() - t0) / 1_000_000;
            Frame muteFinal = frames.stream().filter(f -> f.text("agent_id").equals("mute")
                                                         && f.text("type").equals("agent_judgement_final")).findFirst().get();
            assertThat(muteFinal.json().path("result_code").asInt()).isNotZero();
            assertThat(muteFinal.text("error")).isEqualTo("No final judgement from mute within 2 s");
            assertThat(ms).isBetween(1800L, 4000L);
            assertThat(frames).filteredOn(f -> f.text("agent_id").equals("agent1") && f.text("type").endsWith("final"))
                    .singleElement().satisfies(f -> assertThat(f.json().path("result_code").asInt()).isZero());
        }
    }

    @Test
    void twoGatewayInstancesOnOneRedisEachGetTheirOwnClientsReplies() throws Exception {
        try (RunningGateway second = gatewayOn("it-instance-2");
             WsClient onFirst = judgeClient(gateway); WsClient onSecond = judgeClient(second)) {
            onFirst.send(request("first", "agent1"));
            onSecond.send(request("second", "agent2"));
            assertThat(untilFinals(onFirst, 1)).allSatisfy(f -> assertThat(f.text("agent_id")).isEqualTo("agent1"))
                    .last().satisfies(f -> assertThat(f.json().path("data").path("judgement").asText()).endsWith("first"));
            assertThat(untilFinals(onSecond, 1)).allSatisfy(f -> assertThat(f.text("agent_id")).isEqualTo("agent2"))
                    .last().satisfies(f -> assertThat(f.json().path("data").path("judgement").asText()).endsWith("second"));
        }
    }

    @Test
    void aBadTokenOnWsIsRefusedBeforeTheUpgrade() {
        assertThat(WsClient.handshakeStatus(gateway.ws("/ws"))).isEqualTo(401);
        assertThat(WsClient.handshakeStatus(gateway.ws("/ws?appid=your_app_id&token=0000000000"))).isEqualTo(401);
    }

    @Test
    void theDemoWorkerCanServeRedisJobsWhenTurnedOn() throws Exception {
        try (RunningGateway withDemo = RunningGateway.builder()
                .redis(redis)
                .property("gateway.demo-worker.enabled", "true")
                .property("gateway.demo-worker.agents", "demo-judge")
                .property("gateway.demo-worker.delay-ms", "10")
                .start();
             WsClient ws = withDemo.connect("/ws")) {
            ws.send(request("via redis", "demo-judge"));
            List<Frame> frames = untilFinals(ws, 1);
            assertThat(frames).extracting(f -> f.text("type")).containsExactly(
                    "agent_judgement_stream", "agent_judgement_stream", "agent_judgement_final");
            assertThat(frames.get(2).json().path("data").path("judgement").asText()).contains("via redis");
        }
    }

    @Test
    void healthShowsRedisUp() throws Exception {
        var r = gateway.get("/health");
        assertThat(r.body()).contains("\"transport\":\"redis\"").contains("\"redis\":\"up\"").contains("\"status\":\"ok\"");
    }

    @Test
    void redisKilledAndRestartedMidRun() throws Exception {
        // a Redis, worker and gateway of its own: killing the class's Redis would break the other tests
        try (RedisFixture ownRedis = RedisFixture.started();
             TestWorker ownWorker = new TestWorker(ownRedis.port(), "gateway:", List.of("agent1", "mute"));
             RunningGateway gateway = RunningGateway.builder()
                     .redis(ownRedis)
                     .property("gateway.instance-id", "it-instance-restart")
                     .property("gateway.auth.fixed-secret", SECRET)
                     .property("gateway.judgement.timeout", "2")
                     .start();
             WsClient inFlight = judgeClient(gateway)) {
            ownWorker.script("mute", TestWorker.silent());
            RedisFixture redis = ownRedis;
            inFlight.send(request("in flight", "mute"));
            assertThat(inFlight.next().text("type")).isEqualTo("agent_judgement_stream");

            redis.stop();
            // requests during the outage fail at once with a clear error; the one in flight ends with its timeout final
            try (WsClient during = judgeClient(gateway)) {
                long t0 = System.nanoTime();
                Frame f = during.send(request("now?", "agent1")).next();
                assertThat(f.text("error")).startsWith("Queue unavailable");
                assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(3000);
            }
            Frame timeout = inFlight.next();
            assertThat(timeout.text("type")).isEqualTo("agent_judgement_final");
            assertThat(timeout.json().path("result_code").asInt()).isNotZero();
            assertThat(gateway.get("/health").body()).contains("\"redis\":\"down\"");

            redis.start();
            // the subscription comes back by itself; new requests work within seconds, no restart. Until it is
            // back a request is refused at once, never queued for a reply nobody would receive (its timeout final)
            long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
            List<String> seen = new ArrayList<>();
            boolean answered = false;
            while (!answered && System.nanoTime() < deadline) {
                try (WsClient after = judgeClient(gateway)) {
                    after.send(request("back?", "agent1"));
                    Frame first = after.next(Duration.ofSeconds(3));
                    seen.add(first.raw());
                    if (first.json().has("error")) {
                        assertThat(first.text("error")).as(seen.toString()).startsWith("Queue unavailable");
                        Thread.sleep(50);
                        continue;
                    }
                    assertThat(first.text("type")).as(seen.toString()).isEqualTo("agent_judgement_stream");
                    Frame last = untilFinals(after, 1).get(0);
                    assertThat(last.json().path("result_code").asInt()).as(last.raw()).isZero();
                    answered = true;
                }
            }
            assertThat(answered).as("answered within 15 s of the restart: %s", seen).isTrue();
            assertThat(gateway.get("/health").body()).contains("\"redis\":\"up\"");
        }
    }

    @Test
    void jobsFollowTheDocumentedKeys() {
        try (Jedis jedis = new Jedis("127.0.0.1", redis.port()); WsClient ws = judgeClient(gateway)) {
            // an agent no worker serves: its job stays on the list where the README says it is
            ws.send(request("queued", "nobody-serves-this"));
            await().atMost(Duration.ofSeconds(3)).until(() -> jedis.llen("gateway:jobs:nobody-serves-this") == 1);
            JsonNode job = MAPPER.readTree(jedis.rpop("gateway:jobs:nobody-serves-this"));
            assertThat(job.path("agent_id").asText()).isEqualTo("nobody-serves-this");
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void aListNobodyTakesFromExpiresOnceItsJobsAreTooOldToBeAnswered() throws Exception {
        String key = "gateway:jobs:made-up-agent";
        try (RunningGateway quick = RunningGateway.builder().redis(redis)
                     .property("gateway.instance-id", "it-instance-expiry")
                     .property("gateway.auth.fixed-secret", SECRET)
                     .property("gateway.judgement.timeout", "1")
                     .property("gateway.request-timeout", "1")
                     .start();
             Jedis jedis = new Jedis("127.0.0.1", redis.port()); WsClient ws = judgeClient(quick)) {
            long renewalsBefore = expiryCommands(jedis);
            for (int i = 0; i < 20; i++) {
                ws.send(request("nobody answers " + i, "made-up-agent"));
            }
            // the list's TTL: the longest wait (1 s) plus the second between renewals
            await().atMost(Duration.ofSeconds(1)).until(() -> jedis.llen(key) == 20);
            assertThat(jedis.pttl(key)).as("the list's TTL, ms").isBetween(1L, 2000L);
            for (int i = 0; i < 20; i++) {
                assertThat(ws.nextOfType("agent_judgement_final").json().path("result_code").asInt()).isNotZero();
            }
            assertThat(expiryCommands(jedis) - renewalsBefore).as("expiry renewed at most once a second, not per job")
                    .isLessThan(10);
            await().atMost(Duration.ofSeconds(10)).until(() -> !jedis.exists(key));
        }
    }

    /** EXPIRE and PEXPIRE calls Redis has run (INFO commandstats); the other instances' keys count too. */
    private static long expiryCommands(Jedis jedis) {
        String stats = jedis.info("commandstats");
        return stats.lines().filter(l -> l.startsWith("cmdstat_expire:") || l.startsWith("cmdstat_pexpire:"))
                .mapToLong(l -> Long.parseLong(l.replaceAll("^[^:]+:calls=(\\d+),.*", "$1"))).sum();
    }
}
