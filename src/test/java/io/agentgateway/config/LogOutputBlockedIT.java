package io.agentgateway.config;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.agentgateway.testing.GatewayProcess;
import io.agentgateway.testing.RunningGateway;
import io.agentgateway.testing.WsClient;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A gateway whose log output nobody reads (its stdout a pipe that fills at 64 KiB, as with a log shipper that
 * stopped reading) keeps serving: every failed answer logs a WARN from the event loop, thousands of them, and each
 * client still gets its error at once, /health still answers. What the output could not take is dropped and counted,
 * and once it is read again the log says how many lines it lost. At SIGTERM nothing still queued is lost.
 */
class LogOutputBlockedIT {

    private static final int SESSIONS = 8;
    /** WARN lines enough to fill the pipe (about 400 lines) and the output's queue behind it, twice over */
    private static final int TURNS = 2 * (400 + AsyncLogOutput.QUEUE_SIZE);
    private static final Pattern DROPPED = Pattern.compile("(\\d+) log lines were dropped");

    @Test
    void aStalledLogOutputHoldsNobodyUp() throws Exception {
        int deadAgent = RunningGateway.freePort(); // nothing listens: each answer fails at once
        try (GatewayProcess gateway = GatewayProcess.launch("log-blocked",
                Map.of("GATEWAY__AGENT_URL", "http://127.0.0.1:" + deadAgent + "/v1/chat/completions",
                        "GATEWAY__WS_MAX_FRAMES_PER_SECOND", "100000"),
                List.of(), ProcessBuilder.Redirect.PIPE).awaitHealthy()) {

            ExecutorService clients = Executors.newFixedThreadPool(SESSIONS);
            try {
                List<Future<Integer>> sessions = new ArrayList<>();
                for (int s = 0; s < SESSIONS; s++) {
                    String sessionId = "blocked-" + s;
                    sessions.add(clients.submit(() -> failedTurns(gateway, sessionId, TURNS / SESSIONS)));
                }
                for (Future<Integer> session : sessions) {
                    assertThat(session.get(120, TimeUnit.SECONDS)).isEqualTo(TURNS / SESSIONS);
                }
            } finally {
                clients.shutdownNow();
            }
            assertThat(gateway.isAlive()).isTrue();
            assertThat(health(gateway)).as("/health while the output is still stalled").isEqualTo(200);

            // the output is read again: what waited comes out, and the next line logged tells what was lost
            List<String> lines = new CopyOnWriteArrayList<>();
            Thread reader = new Thread(() -> {
                try (BufferedReader in = new BufferedReader(
                        new InputStreamReader(gateway.output(), StandardCharsets.UTF_8))) {
                    for (String line = in.readLine(); line != null; line = in.readLine()) {
                        lines.add(line);
                    }
                } catch (Exception closed) {
                    // the process ended
                }
            }, "gateway-output");
            reader.setDaemon(true);
            reader.start();
            await().atMost(Duration.ofSeconds(20)).until(() -> lines.size() >= 400);
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
                failedTurns(gateway, "after-" + lines.size(), 1);
                assertThat(lines).anyMatch(l -> DROPPED.matcher(l).find());
            });
            String notice = lines.stream().filter(l -> DROPPED.matcher(l).find()).findFirst().orElseThrow();
            Matcher count = DROPPED.matcher(notice);
            assertThat(count.find()).isTrue();
            assertThat(Long.parseLong(count.group(1))).as(notice).isPositive();
            assertThat(notice).contains("WARN");
            long warnings = lines.stream().filter(l -> l.contains("Answer for session blocked-")).count();
            assertThat(warnings).as("lines kept and lines dropped: some of each")
                    .isGreaterThan(400).isLessThan(TURNS);

            // SIGTERM: Camel's last line comes from its shutdown hook after main has returned, and still comes out
            // (through the process handle: Process.destroy would also close our end of the pipe at once)
            ProcessHandle handle = ProcessHandle.of(gateway.pid()).orElseThrow();
            handle.destroy();
            handle.onExit().get(30, TimeUnit.SECONDS);
            reader.join(Duration.ofSeconds(10).toMillis());
            assertThat(reader.isAlive()).as("the output ended with the process").isFalse();
            // Camel's last two lines come from two threads at once (main's "shutdown", the hook's "is shutdown"), in
            // either order; both used to be lost now and then (the JVM halting before main wrote the queue out)
            List<String> last = lines.subList(Math.max(0, lines.size() - 2), lines.size());
            assertThat(last).as(String.join("\n", lines.subList(Math.max(0, lines.size() - 10), lines.size())))
                    .anySatisfy(l -> assertThat(l).contains("Apache Camel (Main)").contains("is shutdown"))
                    .anySatisfy(l -> assertThat(l).contains("MainSupport").contains("Apache Camel (Main)")
                            .endsWith(" shutdown"));
        }
    }

    /** One failed turn after another on one session; each must end in the agent's error at once. */
    private static int failedTurns(GatewayProcess gateway, String sessionId, int turns) {
        int done = 0;
        try (WsClient ws = gateway.connect("/ws/" + sessionId)) {
            for (int t = 0; t < turns; t++) {
                WsClient.Frame error = ws.userMessage("turn " + t).next(Duration.ofSeconds(5));
                assertThat(error.text("type")).as(error.raw()).isEqualTo("error");
                assertThat(error.text("error")).as(error.raw()).startsWith("Agent unreachable").contains("refused");
                done++;
            }
        }
        return done;
    }

    private static int health(GatewayProcess gateway) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(gateway.url("/health"))
                .timeout(Duration.ofSeconds(2)).GET().build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }
}
