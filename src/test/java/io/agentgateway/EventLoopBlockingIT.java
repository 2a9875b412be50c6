package io.agentgateway;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import io.agentgateway.testing.GatewayProcess;
import io.agentgateway.testing.RedisFixture;
import io.agentgateway.testing.StandInAgent;
import io.agentgateway.testing.WsClient;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * "Never block an event loop", measured: a real gateway process runs under a flight recording of everything that can
 * hold a thread (parking, monitors, sleeping, blocking socket and file I/O, each at any duration) while clients use
 * every path (streaming answers, failed answers, resumes, judgements, tool calls, hostile frames, the HTTP endpoints),
 * with and without Redis. Not one such event may come from a Vert.x event loop. Netty's own non-blocking socket I/O
 * and loading a class the first time are what an event loop does anyway, and are not counted.
 * <p>
 * The recording would have caught the console appender that wrote each failed answer's WARN on the event loop
 * (a file write there, however short; with a stalled output it blocked for good: {@code LogOutputBlockedIT}).
 */
class EventLoopBlockingIT {

    private static final String INTERNAL_KEY = "loop-key";
    private static final List<String> TOKENS = IntStream.range(0, 20).mapToObj(i -> "t" + i + " ").toList();
    private static final int SESSIONS = 24;
    /** a wait shorter than this is a hand-over of work (a monitor some other thread held for microseconds) */
    private static final Duration LONGEST_HANDOVER = Duration.ofMillis(1);

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
            // "fail" gets a 500, "long" an answer that ends only when the gateway hangs up, anything else TOKENS
            agent.script((request, response, vertx) -> (request.lastUserMessage().startsWith("fail")
                    ? StandInAgent.status(500)
                    : request.lastUserMessage().startsWith("long") ? StandInAgent.endless(Duration.ofMillis(10))
                    : StandInAgent.openAi(TOKENS, Duration.ofMillis(2))).answer(request, response, vertx));
            Map<String, String> env = new HashMap<>(Map.of("GATEWAY__AGENT_URL", agent.url(),
                    "GATEWAY__INTERNAL_API_KEY", INTERNAL_KEY, "GATEWAY__WS_MAX_FRAMES_PER_SECOND", "10000",
                    // sessions left alone expire while it is measured: their clean-up is a path too
                    "GATEWAY__SESSION_TTL", "2", "GATEWAY__RESUME_GRACE", "1"));
            if (redis != null) {
                env.putAll(Map.of("REDIS_HOST", "127.0.0.1", "REDIS_PORT", Integer.toString(redis.port()),
                        "GATEWAY__DEMO_WORKER", "true", "GATEWAY__DEMO_WORKER_DELAY_MS", "5"));
            }
            try (GatewayProcess gateway = GatewayProcess.launch("loops-" + withRedis, env,
                    List.of("-XX:StartFlightRecording=filename=" + recording + ",settings=" + settings))
                    .awaitHealthy()) {
                everyPath(gateway, "warm"); // first use loads classes; that is not what is measured
                from = Instant.now();
                ExecutorService clients = Executors.newFixedThreadPool(8);
                try {
                    List<Future<?>> done = new ArrayList<>();
                    for (int i = 0; i < 8; i++) {
                        String name = "run" + i;
                        done.add(clients.submit(() -> {
                            everyPath(gateway, name);
                            return null;
                        }));
                    }
                    for (Future<?> f : done) {
                        f.get(120, TimeUnit.SECONDS);
                    }
                } finally {
                    clients.shutdownNow();
                }
                // every session closed by now: they expire (2 s), and keep no frames
                await().atMost(Duration.ofSeconds(30)).until(() -> keptBytes(gateway) == 0);
                to = Instant.now();
            } // SIGTERM: the recording is written as the JVM exits
        }
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
        assertThat(onLoops).as("what held an event loop:%n%s", describe(onLoops)).isEmpty();
    }

    /**
     * Whether the event is an event loop held up: any blocking socket I/O, file I/O, or sleep, however short; a wait
     * for a monitor or a park of a millisecond or more that no GC pause explains (the loop's own brief contention
     * with a thread handing it work, some microseconds, is how Vert.x and the JDK's selector hand over). Not counted:
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
                .getFrames().stream().limit(14).map(f -> "    " + f.getMethod().getType().getName() + "."
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

    /** One client's round of every path, each checked for what it must answer. */
    private static void everyPath(GatewayProcess gateway, String name) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        List<CompletableFuture<List<WsClient.Frame>>> answers = new ArrayList<>();
        List<WsClient> sockets = new ArrayList<>();
        try {
            for (int s = 0; s < SESSIONS / 8; s++) {
                WsClient ws = gateway.connect("/ws/" + name + "-" + s);
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
            // a tool call from a trusted service, answered by the client
            HttpRequest call = HttpRequest.newBuilder(gateway.url("/tool/execute/" + name + "-0"))
                    .header("X-Internal-Auth", INTERNAL_KEY).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(
                            "{\"name\":\"read\",\"arguments\":{},\"call_id\":\"" + name + "-call\"}")).build();
            CompletableFuture<HttpResponse<String>> result = http.sendAsync(call, HttpResponse.BodyHandlers.ofString());
            WsClient.Frame toolCall = chat.next();
            assertThat(toolCall.text("type")).isEqualTo("tool_call");
            chat.sendJson("type", "tool_result", "call_id", name + "-call", "result", Map.of("page", 1));
            assertThat(result.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        } finally {
            sockets.forEach(WsClient::close);
        }
        // a client gone mid-answer: after the resume grace (1 s) the answer is abandoned and the agent hung up on
        try (WsClient gone = gateway.connect("/ws/" + name + "-gone")) {
            assertThat(gone.userMessage("long answer").next().isFinal()).isFalse();
        }
        // a resume: every frame after seq 3 again, then live
        try (WsClient resumed = gateway.connect("/ws/" + name + "-1?last_seq=3")) {
            assertThat(resumed.next().text("type")).isEqualTo("resumed");
            assertThat(resumed.next().json().path("seq").asLong()).isEqualTo(4);
        }
        // a judgement, answered by the demo worker
        try (WsClient judge = gateway.connect("/ws")) {
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
