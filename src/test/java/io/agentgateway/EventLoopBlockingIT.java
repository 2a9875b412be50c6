package io.agentgateway;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.RSAKey;
import io.agentgateway.auth.TokenVerifier;
import io.agentgateway.testing.GatewayProcess;
import io.agentgateway.testing.JwksServer;
import io.agentgateway.testing.RawHandshake;
import io.agentgateway.testing.RawWebSocket;
import io.agentgateway.testing.RedisFixture;
import io.agentgateway.testing.StandInAgent;
import io.agentgateway.testing.TestTokens;
import io.agentgateway.testing.WsClient;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * "Never block an event loop", measured: a real gateway process runs under a flight recording of everything that can
 * hold a thread (parking, monitors, sleeping, blocking socket and file I/O) while authenticated clients use every
 * path (streaming, failed and cancelled answers, resumes, judgements, tool calls, hostile frames, the HTTP endpoints),
 * with and without Redis. Not one such event may come from a Vert.x event loop. Netty's own non-blocking socket I/O
 * and loading a class the first time are what an event loop does anyway, and are not counted.
 * <p>
 * The recording would have caught the console appender that wrote each failed answer's WARN on the event loop
 * (a file write there, however short; with a stalled output it blocked for good: {@code LogOutputBlockedIT}).
 */
class EventLoopBlockingIT {

    private static final String INTERNAL_KEY = "loop-key";
    private static final String SECRET = "loop-secret";
    private static final String APP = "loop-app";
    private static final List<String> TOKENS = IntStream.range(0, 20).mapToObj(i -> "t" + i + " ").toList();
    private static final int SESSIONS = 24;
    /** GATEWAY__WS_MAX_MESSAGE_BYTES of the case that sends a frame over twice that. */
    private static final int MAX_MESSAGE = 64 * 1024;
    private static final List<String> ROAMING = IntStream.range(0, 30).mapToObj(i -> "r" + i + " ").toList();
    /** The agent of {@link #everyPath}: "fail" gets a 500, "long" an answer that ends only when the gateway hangs up. */
    private static final StandInAgent.Script EVERY_PATH = (request, response, vertx) -> (
            request.lastUserMessage().startsWith("fail") ? StandInAgent.status(500)
            : request.lastUserMessage().startsWith("long") ? StandInAgent.endless(Duration.ofMillis(10))
            : StandInAgent.openAi(TOKENS, Duration.ofMillis(2))).answer(request, response, vertx);
    /**
     * A wait for a monitor shorter than this is a hand-over of work: another thread holds it for microseconds (Vert.x
     * queueing a write to a connection, a session's lock while a frame is kept), and on this machine, two cores shared
     * by the gateways, Redis, the agent and the clients, that thread is now and then preempted while it holds it, for
     * up to several milliseconds (seen: 0.2 to 6 ms). JFR's own default for a notable monitor wait; blocking code on
     * a loop is caught by the rules without a threshold.
     */
    private static final Duration LONGEST_HANDOVER = Duration.ofMillis(20);

    /** What can hold a thread; a threshold of 0 records every one, however short. */
    private static final String SETTINGS = """
            <?xml version="1.0" encoding="UTF-8"?>
            <configuration version="2.0" label="blocking">
            %s
            </configuration>
            """.formatted(List.of("jdk.ThreadPark", "jdk.JavaMonitorEnter", "jdk.JavaMonitorWait", "jdk.ThreadSleep",
                    "jdk.SocketRead", "jdk.SocketWrite", "jdk.FileRead", "jdk.FileWrite", "jdk.GarbageCollection").stream()
            .map(e -> "  <event name=\"" + e + "\"><setting name=\"enabled\">true</setting>"
                      + "<setting name=\"stackTrace\">true</setting><setting name=\"threshold\">0 ms</setting></event>")
            .collect(Collectors.joining("\n")));

    @ParameterizedTest(name = "redis: {0}")
    @ValueSource(booleans = {false, true})
    void noEventLoopWaitsOnAnything(boolean withRedis, @TempDir Path dir) throws Exception {
        Path settings = Files.writeString(dir.resolve("blocking.jfc"), SETTINGS);
        Path recording = dir.resolve("gateway.jfr");
        Instant from;
        Instant to;
        try (StandInAgent agent = new StandInAgent(); RedisFixture redis = withRedis ? RedisFixture.started() : null) {
            agent.script(EVERY_PATH);
            Map<String, String> env = new HashMap<>(Map.of("GATEWAY__AGENT_URL", agent.url(),
                    "GATEWAY__INTERNAL_API_KEY", INTERNAL_KEY, "GATEWAY__WS_MAX_FRAMES_PER_SECOND", "10000",
                    "FIXED_SECRET", SECRET,
                    // sessions left alone expire while it is measured: their clean-up is a path too
                    "GATEWAY__SESSION_TTL", "2", "GATEWAY__RESUME_GRACE", "1"));
            if (redis != null) {
                env.putAll(Map.of("REDIS_HOST", "127.0.0.1", "REDIS_PORT", Integer.toString(redis.port()),
                        "GATEWAY__DEMO_WORKER", "true", "GATEWAY__DEMO_WORKER_DELAY_MS", "5"));
            }
            try (GatewayProcess gateway = recorded("loops-" + withRedis, env, recording, settings)) {
                everyPath(gateway, "warm"); // first use loads classes; that is not what is measured
                from = Instant.now();
                inParallel(8, "run", name -> everyPath(gateway, name));
                // every session closed by now: they expire (2 s), and keep no frames
                await().atMost(Duration.ofSeconds(30)).until(() -> keptBytes(gateway) == 0);
                to = Instant.now();
            } // SIGTERM: the recording is written as the JVM exits
        }
        assertNoEventLoopWaited(recording, from, to);
    }

    /**
     * Two instances on one Redis: answers that move to the other instance while they stream (tokens relayed from the
     * first), tool calls through the other instance, sessions expiring on both.
     */
    @Test
    void noEventLoopWaitsAcrossInstances(@TempDir Path dir) throws Exception {
        Path settings = Files.writeString(dir.resolve("blocking.jfc"), SETTINGS);
        Path recordingA = dir.resolve("a.jfr");
        Path recordingB = dir.resolve("b.jfr");
        Instant from;
        Instant to;
        try (RedisFixture redis = RedisFixture.started();
             StandInAgent agent = new StandInAgent().script(StandInAgent.openAi(ROAMING, Duration.ofMillis(20)))) {
            Map<String, String> env = Map.of("GATEWAY__AGENT_URL", agent.url(), "GATEWAY__INTERNAL_API_KEY",
                    INTERNAL_KEY, "REDIS_HOST", "127.0.0.1", "REDIS_PORT", Integer.toString(redis.port()),
                    "GATEWAY__DEMO_WORKER", "false", "GATEWAY__INSTANCE_TTL", "3", "GATEWAY__SESSION_TTL", "2",
                    "GATEWAY__RESUME_GRACE", "1", "FIXED_SECRET", SECRET);
            try (GatewayProcess a = recorded("loops-a", env, recordingA, settings);
                 GatewayProcess b = recorded("loops-b", env, recordingB, settings)) {
                acrossInstances(a, b, "warm");
                acrossInstances(b, a, "warm-back");
                from = Instant.now();
                inParallel(4, "cross", name -> {
                    acrossInstances(a, b, name);
                    acrossInstances(b, a, name + "-back");
                });
                await().atMost(Duration.ofSeconds(30)).until(() -> keptBytes(a) == 0 && keptBytes(b) == 0);
                to = Instant.now();
            }
        }
        assertNoEventLoopWaited(recordingA, from, to);
        assertNoEventLoopWaited(recordingB, from, to);
    }

    /**
     * Chat over the Redis queue (GATEWAY__CHAT_BACKEND=queue): turns become jobs, the demo worker answers them word by
     * word over Redis, and the replies come back through the subscription to the sockets; a cancel mid-answer.
     */
    @Test
    void noEventLoopWaitsWithChatOverTheQueue(@TempDir Path dir) throws Exception {
        Path settings = Files.writeString(dir.resolve("blocking.jfc"), SETTINGS);
        Path recording = dir.resolve("queue.jfr");
        Instant from;
        Instant to;
        try (RedisFixture redis = RedisFixture.started()) {
            Map<String, String> env = Map.of("REDIS_HOST", "127.0.0.1", "REDIS_PORT", Integer.toString(redis.port()),
                    "GATEWAY__CHAT_BACKEND", "queue", "GATEWAY__DEMO_WORKER", "true",
                    "GATEWAY__DEMO_WORKER_AGENTS", "chat,agent1", "GATEWAY__DEMO_WORKER_DELAY_MS", "5",
                    "GATEWAY__SESSION_TTL", "2", "FIXED_SECRET", SECRET);
            try (GatewayProcess gateway = recorded("loops-queue", env, recording, settings)) {
                queuedTurns(gateway, "warm");
                from = Instant.now();
                inParallel(6, "queued", name -> queuedTurns(gateway, name));
                await().atMost(Duration.ofSeconds(30)).until(() -> keptBytes(gateway) == 0);
                to = Instant.now();
            }
        }
        assertNoEventLoopWaited(recording, from, to);
    }

    /**
     * Redis stopped under a running gateway, then started again: answers stream on across the outage; while it is
     * away their clients come back to this instance (the owner kept here decides), take turns and resume, a new
     * session is refused (its owner cannot be asked), a judgement fails at once; once Redis is back every path
     * again. The Redis calls behind those fail only after their connect timeout.
     */
    @Test
    void noEventLoopWaitsWhileRedisIsAway(@TempDir Path dir) throws Exception {
        Path settings = Files.writeString(dir.resolve("blocking.jfc"), SETTINGS);
        Path recording = dir.resolve("outage.jfr");
        Instant from;
        Instant to;
        try (StandInAgent agent = new StandInAgent(); RedisFixture redis = RedisFixture.started()) {
            agent.script((request, response, vertx) -> (request.lastUserMessage().startsWith("across")
                    ? StandInAgent.openAi(ROAMING, Duration.ofMillis(100)) : EVERY_PATH).answer(request, response, vertx));
            Map<String, String> env = Map.of("GATEWAY__AGENT_URL", agent.url(), "FIXED_SECRET", SECRET,
                    "GATEWAY__INTERNAL_API_KEY", INTERNAL_KEY, "REDIS_HOST", "127.0.0.1",
                    "REDIS_PORT", Integer.toString(redis.port()), "GATEWAY__DEMO_WORKER", "true",
                    "GATEWAY__DEMO_WORKER_DELAY_MS", "5", "GATEWAY__SESSION_TTL", "5", "GATEWAY__RESUME_GRACE", "1");
            try (GatewayProcess gateway = recorded("loops-outage", env, recording, settings)) {
                everyPath(gateway, "warm");
                from = Instant.now();
                List<WsClient> across = new ArrayList<>();
                try {
                    List<CompletableFuture<String>> answers = new ArrayList<>();
                    for (int i = 0; i < 4; i++) {
                        WsClient ws = connect(gateway, "/ws/across-" + i);
                        across.add(ws);
                        ws.userMessage("across the outage");
                        WsClient.Frame first = ws.next();
                        answers.add(CompletableFuture.supplyAsync(() -> {
                            List<WsClient.Frame> turn = new ArrayList<>(List.of(first));
                            turn.addAll(ws.untilFinal());
                            return WsClient.joined(turn);
                        }));
                    }
                    redis.stop();
                    for (CompletableFuture<String> a : answers) {
                        assertThat(a.get(30, TimeUnit.SECONDS)).isEqualTo(String.join("", ROAMING));
                    }
                } finally {
                    across.forEach(WsClient::close);
                }
                inParallel(4, "across-", name -> whileRedisIsAway(gateway, name));
                redis.start();
                await().atMost(Duration.ofSeconds(30)).until(() -> health(gateway).contains("\"ok\""));
                inParallel(4, "back", name -> everyPath(gateway, name));
                await().atMost(Duration.ofSeconds(30)).until(() -> keptBytes(gateway) == 0);
                to = Instant.now();
            }
        }
        assertNoEventLoopWaited(recording, from, to);
    }

    /** With Redis stopped: the client of a session held here comes back, a new session, a judgement. */
    private static void whileRedisIsAway(GatewayProcess gateway, String session) throws Exception {
        try (WsClient back = connect(gateway, "/ws/" + session + "?last_seq=3")) {
            assertThat(back.next().text("type")).isEqualTo("resumed");
            assertThat(back.next().json().path("seq").asLong()).isEqualTo(4);
            back.untilFinal(); // the rest of the answer it missed
            assertThat(WsClient.joined(back.userMessage("hello").untilFinal())).isEqualTo(String.join("", TOKENS));
        }
        String token = new TokenVerifier(SECRET, Clock.systemUTC()).currentToken(APP);
        assertThat(WsClient.handshakeStatus(URI.create("ws://127.0.0.1:" + gateway.port() + "/ws/" + session
                + "-new?appid=" + APP + "&token=" + token))).as("a session whose owner cannot be asked").isEqualTo(503);
        try (WsClient judge = connect(gateway, "/ws")) {
            judge.send("{\"type\":\"agent_judgement\",\"agent_ids\":[\"agent1\"],\"data\":{\"user_input\":\"x\"}}");
            assertThat(judge.next(Duration.ofSeconds(15)).text("error")).startsWith("Queue unavailable");
        }
        assertThat(health(gateway)).contains("\"degraded\"");
    }

    private static String health(GatewayProcess gateway) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(gateway.url("/health")).GET().build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    /**
     * What the gateway refuses or ends: JWT handshakes checked against a JWKS endpoint (keys fetched, including a
     * rotated one, in the measured window; expired and foreign tokens refused), a client that stops reading (closed
     * with 4008), a flooder (1008) and a frame over twice the size limit (1009).
     */
    @Test
    void noEventLoopWaitsOnJwksHandshakesOrTheClientsItCloses(@TempDir Path dir) throws Exception {
        Path settings = Files.writeString(dir.resolve("blocking.jfc"), SETTINGS);
        Path recording = dir.resolve("refused.jfr");
        RSAKey first = TestTokens.rsaKey("first");
        ECKey rotated = TestTokens.ecKey("rotated");
        Instant from;
        Instant to;
        try (JwksServer jwks = new JwksServer().serve(first.toPublicJWK());
             StandInAgent agent = new StandInAgent()) {
            agent.script((request, response, vertx) -> (request.lastUserMessage().startsWith("everything")
                    ? StandInAgent.firehose(64L * 1024 * 1024, 1000, new AtomicLong())
                    : EVERY_PATH).answer(request, response, vertx));
            Map<String, String> env = Map.of("GATEWAY__AGENT_URL", agent.url(),
                    "GATEWAY__JWKS_URL", jwks.url().toString(), "GATEWAY__SLOW_CLIENT_TIMEOUT", "1",
                    "GATEWAY__WS_FLOOD_WINDOW", "1", "GATEWAY__WS_MAX_MESSAGE_BYTES", Integer.toString(MAX_MESSAGE),
                    "GATEWAY__SESSION_TTL", "2", "GATEWAY__RESUME_GRACE", "1");
            try (GatewayProcess gateway = recorded("loops-refused", env, recording, settings)) {
                refusedAndClosed(gateway, first, "warm");
                from = Instant.now();
                // the issuer adds a key: the first token signed with it makes the gateway fetch the set again
                jwks.serve(first.toPublicJWK(), rotated.toPublicJWK());
                String token = TestTokens.es256(rotated, TestTokens.claims("rotated-user", Instant.now()).build());
                try (WsClient ws = gateway.connect("/ws/rotated?token=" + token)) {
                    assertThat(WsClient.joined(ws.userMessage("hello").untilFinal())).isEqualTo(String.join("", TOKENS));
                }
                assertThat(jwks.fetches()).as("the key set fetched again for the new key").isEqualTo(2);
                inParallel(4, "refused", name -> refusedAndClosed(gateway, first, name));
                await().atMost(Duration.ofSeconds(30)).until(() -> keptBytes(gateway) == 0);
                to = Instant.now();
            }
        }
        assertNoEventLoopWaited(recording, from, to);
    }

    /**
     * A JWT client's answer, tokens refused at the handshake, then the three clients the gateway closes: one that
     * stops reading an answer faster than it (4008), a flooder (1008), a frame over twice the size limit (1009).
     */
    private static void refusedAndClosed(GatewayProcess gateway, RSAKey key, String name) throws Exception {
        String token = TestTokens.rs256(key, TestTokens.claims(name, Instant.now()).build());
        try (WsClient ws = gateway.connect("/ws/" + name + "?token=" + token)) {
            assertThat(WsClient.joined(ws.userMessage("hello").untilFinal())).isEqualTo(String.join("", TOKENS));
        }
        String expired = TestTokens.rs256(key, TestTokens.claims(name, Instant.now().minusSeconds(3600)).build());
        String foreign = TestTokens.rs256(TestTokens.rsaKey("first"), TestTokens.claims(name, Instant.now()).build());
        for (String refused : List.of(expired, foreign, "not-a-jwt")) {
            assertThat(RawHandshake.send(gateway.port(), "/ws/" + name + "-refused?token=" + refused, Map.of())
                    .status()).isEqualTo(401);
        }

        // reads nothing while the agent offers 64 MB: held back, then closed with 4008 behind what was queued
        RawWebSocket stuck = RawWebSocket.connect(gateway.port(), "/ws/" + name + "-stuck?token=" + token, 16 * 1024);
        try {
            stuck.sendText("{\"type\":\"user_message\",\"content\":\"everything, please\"}");
            await().atMost(Duration.ofSeconds(20)).until(() ->
                    gateway.log().contains("Closing a slow client of session " + name + "-stuck"));
            assertThat(closeCode(stuck)).isEqualTo(4008);
        } finally {
            stuck.close();
        }

        try (WsClient flooder = gateway.connect("/ws/" + name + "-flood?token=" + token)) {
            long until = System.nanoTime() + Duration.ofSeconds(15).toNanos();
            while (!flooder.closed().isDone() && System.nanoTime() < until) {
                try {
                    flooder.send("{\"type\":\"cancel\"}"); // 500 a second, ten times the rate, past the window
                } catch (CompletionException closing) {
                    break; // the gateway's close is on its way
                }
                Thread.sleep(2);
            }
            assertThat(flooder.closed()).succeedsWithin(Duration.ofSeconds(5)).isEqualTo(1008);
        }

        RawWebSocket big = RawWebSocket.connect(gateway.port(), "/ws/" + name + "-big?token=" + token);
        try {
            big.send(true, 0, RawWebSocket.TEXT, RawWebSocket.utf8("x".repeat(2 * MAX_MESSAGE + 1)));
            assertThat(closeCode(big)).isEqualTo(1009);
        } finally {
            big.close();
        }
    }

    /** Reads past every frame to the close frame; its code, or -1 when none comes. */
    private static int closeCode(RawWebSocket ws) throws Exception {
        long until = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < until) {
            RawWebSocket.Frame f = ws.read(Duration.ofSeconds(10));
            if (f == null) {
                return -1;
            }
            if (f.opcode() == RawWebSocket.CLOSE) {
                return f.closeCode();
            }
        }
        return -1;
    }

    /** Two turns answered by the queue's worker, then one cancelled mid-answer. */
    private static void queuedTurns(GatewayProcess gateway, String session) {
        try (WsClient ws = connect(gateway, "/ws/" + session)) {
            assertThat(WsClient.joined(ws.userMessage("over the queue").untilFinal())).isEqualTo("over the queue");
            assertThat(WsClient.joined(ws.userMessage("and again").untilFinal())).isEqualTo("and again");
            ws.userMessage("a long question to cancel in the middle of its answer");
            assertThat(ws.next().isFinal()).isFalse();
            ws.send("{\"type\":\"cancel\"}");
            assertThat(ws.untilFinal()).last().satisfies(f ->
                    assertThat(f.json().path("cancelled").asBoolean()).as(f.raw()).isTrue());
        }
    }

    private interface Client {
        void run(String name) throws Exception;
    }

    /** {@code clients} clients at once, each named {@code prefix} and its number; returns when all are done. */
    private static void inParallel(int clients, String prefix, Client client) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                String name = prefix + i;
                done.add(pool.submit(() -> {
                    client.run(name);
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get(120, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /** A socket with the credentials auth asks for (FIXED_SECRET is set: limits per identity are counted). */
    private static WsClient connect(GatewayProcess gateway, String pathAndQuery) {
        String token = new TokenVerifier(SECRET, Clock.systemUTC()).currentToken(APP);
        return gateway.connect(pathAndQuery + (pathAndQuery.contains("?") ? "&" : "?") + "appid=" + APP
                               + "&token=" + token);
    }

    /** A gateway process under the flight recording, ready. */
    private static GatewayProcess recorded(String name, Map<String, String> env, Path recording, Path settings)
            throws Exception {
        return GatewayProcess.launch(name, env,
                List.of("-XX:StartFlightRecording=filename=" + recording + ",settings=" + settings)).awaitHealthy();
    }

    private static void assertNoEventLoopWaited(Path recording, Instant from, Instant to) throws Exception {
        assertThat(recording).as("the gateway's flight recording").exists();
        List<RecordedEvent> events = RecordingFile.readAllEvents(recording);
        List<RecordedEvent> collections = events.stream()
                .filter(e -> e.getEventType().getName().equals("jdk.GarbageCollection")).toList();
        List<RecordedEvent> onLoops = events.stream()
                .filter(e -> e.getThread() != null && e.getThread().getJavaName() != null
                             && e.getThread().getJavaName().startsWith("vert.x-eventloop-thread"))
                .filter(e -> !e.getStartTime().isBefore(from) && !e.getEndTime().isAfter(to))
                .filter(e -> blocks(e, collections))
                .toList();
        assertThat(events).as("the recording holds events (of other threads)").isNotEmpty();
        assertThat(onLoops).as("what held an event loop in %s:%n%s", recording.getFileName(), describe(onLoops))
                .isEmpty();
    }

    /**
     * Whether the event is an event loop held up: any blocking socket I/O, file I/O, or sleep, however short; a wait
     * for a monitor or a park of {@link #LONGEST_HANDOVER} or more that no GC pause explains. Not counted:
     * a Netty channel's non-blocking read or write (what the loop is for), loading a class from the jar the first
     * time, and reading /dev/urandom (random ids; the kernel's, never blocking once booted).
     */
    private static boolean blocks(RecordedEvent e, List<RecordedEvent> collections) {
        String type = e.getEventType().getName();
        List<String> frames = e.getStackTrace() == null ? List.of() : e.getStackTrace().getFrames().stream()
                .filter(RecordedFrame::isJavaFrame)
                .map(f -> f.getMethod().getType().getName() + "." + f.getMethod().getName()).toList();
        switch (type) {
            case "jdk.SocketRead", "jdk.SocketWrite" -> {
                return frames.stream().noneMatch(f -> f.startsWith("io.netty.channel.socket.nio.")
                                                      || f.startsWith("io.netty.channel.nio."));
            }
            case "jdk.FileRead" -> {
                return !"/dev/urandom".equals(e.getString("path"))
                       && frames.stream().noneMatch(f -> f.startsWith("jdk.internal.loader.")
                                                         || f.equals("java.lang.ClassLoader.loadClass"));
            }
            case "jdk.FileWrite", "jdk.ThreadSleep" -> {
                return true;
            }
            default -> { // parks and monitors
                if (!frames.isEmpty() && frames.get(0).startsWith("sun.nio.ch.EPollSelectorImpl.")) {
                    // the selector's wake-up lock: held by a thread that hands the loop work for one eventfd write,
                    // and longer only when the cores preempt that thread
                    return false;
                }
                return e.getDuration().compareTo(LONGEST_HANDOVER) >= 0 && collections.stream().noneMatch(gc ->
                        gc.getStartTime().isBefore(e.getEndTime()) && gc.getEndTime().isAfter(e.getStartTime()));
            }
        }
    }

    private static String describe(List<RecordedEvent> events) {
        return events.stream().limit(12).map(e -> e.getEventType().getName() + " " + e.getDuration().toNanos() / 1000
                + " µs on " + e.getThread().getJavaName() + "\n" + (e.getStackTrace() == null ? "" : e.getStackTrace()
                .getFrames().stream().limit(30).map(f -> "    " + f.getMethod().getType().getName() + "."
                        + f.getMethod().getName() + ":" + f.getLineNumber()).collect(Collectors.joining("\n"))))
                .collect(Collectors.joining("\n"));
    }

    /** The gateway_session_frames_kept_bytes gauge. */
    private static double keptBytes(GatewayProcess gateway) throws Exception {
        String metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(gateway.url("/metrics")).GET().build(),
                HttpResponse.BodyHandlers.ofString()).body();
        return metrics.lines().filter(l -> l.startsWith("gateway_session_frames_kept_bytes "))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.indexOf(' ') + 1))).findFirst().orElseThrow();
    }

    /**
     * An answer begun on {@code first} and read to its end on {@code other} (the client moved mid-answer), then a tool
     * call through {@code other} to the session's socket, now there.
     */
    private static void acrossInstances(GatewayProcess first, GatewayProcess other, String session) throws Exception {
        List<WsClient.Frame> seen = new ArrayList<>();
        WsClient gone = connect(first, "/ws/" + session);
        gone.userMessage("tell me");
        for (int i = 0; i < 5; i++) {
            seen.add(gone.next());
        }
        gone.abort(); // the client changed networks
        long lastSeq = seen.get(4).json().path("seq").asLong();
        try (WsClient again = connect(other, "/ws/" + session + "?last_seq=" + lastSeq)) {
            WsClient.Frame resumed = again.next();
            assertThat(resumed.json().path("recovered").asBoolean()).as(resumed.raw()).isTrue();
            seen.addAll(again.untilFinal());
            assertThat(WsClient.joined(seen)).isEqualTo(String.join("", ROAMING));
            HttpResponse<String> result = toolCall(first, session, again);
            assertThat(result.statusCode()).as(result.body()).isEqualTo(200);
        }
    }

    /** A tool call through {@code via} for the session whose socket {@code ws} is, answered by that socket. */
    private static HttpResponse<String> toolCall(GatewayProcess via, String session, WsClient ws) throws Exception {
        String callId = session + "-call";
        CompletableFuture<HttpResponse<String>> result = HttpClient.newHttpClient().sendAsync(
                HttpRequest.newBuilder(via.url("/tool/execute/" + session))
                        .header("X-Internal-Auth", INTERNAL_KEY).header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(
                                "{\"name\":\"read\",\"arguments\":{},\"call_id\":\"" + callId + "\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        WsClient.Frame toolCall = ws.nextOfType("tool_call");
        assertThat(toolCall.text("call_id")).isEqualTo(callId);
        ws.sendJson("type", "tool_result", "call_id", callId, "result", Map.of("page", 1));
        return result.get(10, TimeUnit.SECONDS);
    }

    /** One client's round of every path, each checked for what it must answer. */
    private static void everyPath(GatewayProcess gateway, String name) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        List<CompletableFuture<List<WsClient.Frame>>> answers = new ArrayList<>();
        List<WsClient> sockets = new ArrayList<>();
        try {
            for (int s = 0; s < SESSIONS / 8; s++) {
                WsClient ws = connect(gateway, "/ws/" + name + "-" + s);
                sockets.add(ws);
                answers.add(CompletableFuture.supplyAsync(() -> ws.userMessage("hello").untilFinal()));
            }
            for (CompletableFuture<List<WsClient.Frame>> a : answers) {
                assertThat(WsClient.joined(a.get(30, TimeUnit.SECONDS))).isEqualTo(String.join("", TOKENS));
            }
            WsClient chat = sockets.get(0);
            // a failed answer: one error final, logged at WARN
            assertThat(chat.userMessage("fail now").untilFinal()).last()
                    .extracting(f -> f.text("type")).isEqualTo("error");
            // hostile frames: each gets its error, the socket stays
            chat.send("{not json");
            assertThat(chat.next().text("error")).isNotEmpty();
            chat.send("{\"type\":\"no_such_type\"}");
            assertThat(chat.next().text("error")).isNotEmpty();
            // a cancel mid-answer: the agent is hung up on, the answer ends marked cancelled
            assertThat(chat.userMessage("long answer").next().isFinal()).isFalse();
            chat.send("{\"type\":\"cancel\"}");
            assertThat(chat.untilFinal()).last().satisfies(f ->
                    assertThat(f.json().path("cancelled").asBoolean()).as(f.raw()).isTrue());
            // a tool call from a trusted service, answered by the client
            assertThat(toolCall(gateway, name + "-0", chat).statusCode()).isEqualTo(200);
        } finally {
            sockets.forEach(WsClient::close);
        }
        // a client gone mid-answer: after the resume grace (1 s) the answer is abandoned and the agent hung up on
        try (WsClient gone = connect(gateway, "/ws/" + name + "-gone")) {
            assertThat(gone.userMessage("long answer").next().isFinal()).isFalse();
        }
        // a resume: every frame after seq 3 again, then live
        try (WsClient resumed = connect(gateway, "/ws/" + name + "-1?last_seq=3")) {
            assertThat(resumed.next().text("type")).isEqualTo("resumed");
            assertThat(resumed.next().json().path("seq").asLong()).isEqualTo(4);
        }
        // a judgement, answered by the demo worker
        try (WsClient judge = connect(gateway, "/ws")) {
            judge.send("{\"type\":\"agent_judgement\",\"agent_ids\":[\"agent1\"],\"data\":{\"user_input\":\"x\"}}");
            WsClient.Frame f = judge.nextOfType("agent_judgement_final");
            assertThat(f.json().path("result_code").asInt()).isZero();
        }
        for (String path : List.of("/health", "/metrics", "/", "/openapi.json")) {
            assertThat(http.send(HttpRequest.newBuilder(URI.create(gateway.url(path).toString())).GET().build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode()).as(path).isEqualTo(200);
        }
    }
}
