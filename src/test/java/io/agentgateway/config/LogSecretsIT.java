package io.agentgateway.config;

import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.agentgateway.App;
import io.agentgateway.auth.TokenVerifier;
import io.agentgateway.testing.RunningGateway;
import io.agentgateway.testing.StandInAgent;
import io.agentgateway.testing.WsClient;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import redis.embedded.RedisServer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The real launcher in its own JVM, with every secret set, DEBUG on and traffic through each path that touches a
 * secret: no secret and no client token reaches the log, in text or JSON format; JSON logs are one object a line.
 */
class LogSecretsIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String FIXED_SECRET = "fixed-SECRET-7f3a9c";
    private static final String INTERNAL_KEY = "internal-KEY-51b2e8";
    private static final String REDIS_PASSWORD = "redis-PASSWORD-c04d17";
    private static final String WRONG_KEY = "wrong-KEY-9e6d20";

    @ParameterizedTest
    @ValueSource(strings = {"text", "json"})
    void noSecretReachesTheLog(String format, @TempDir Path dir) throws Exception {
        int redisPort = RunningGateway.freePort();
        RedisServer redis = RedisServer.newRedisServer().bind("127.0.0.1").port(redisPort)
                .setting("save \"\"").setting("appendonly no").setting("requirepass " + REDIS_PASSWORD).build();
        redis.start();
        StandInAgent agent = new StandInAgent().script(StandInAgent.openAi(List.of("Hello ", "there"), Duration.ZERO));
        int port = RunningGateway.freePort();
        Path out = dir.resolve("stdout.log");
        Path err = dir.resolve("stderr.log");
        String java = System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
        ProcessBuilder pb = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), App.class.getName())
                .redirectOutput(out.toFile()).redirectError(err.toFile());
        Map<String, String> env = pb.environment();
        env.put("HOST", "127.0.0.1");
        env.put("PORT", Integer.toString(port));
        env.put("DEBUG", "true");
        env.put("GATEWAY__LOG_FORMAT", format);
        env.put("FIXED_SECRET", FIXED_SECRET);
        env.put("GATEWAY__INTERNAL_API_KEY", INTERNAL_KEY);
        env.put("REDIS_HOST", "127.0.0.1");
        env.put("REDIS_PORT", Integer.toString(redisPort));
        env.put("REDIS_PASSWORD", REDIS_PASSWORD);
        env.put("GATEWAY__DEMO_WORKER", "true");
        env.put("GATEWAY__DEMO_WORKER_DELAY_MS", "10");
        env.put("GATEWAY__AGENT_URL", agent.url());
        Process gateway = pb.start();
        gateway.getOutputStream().close();
        String token;
        try {
            HttpClient http = HttpClient.newHttpClient();
            String base = "http://127.0.0.1:" + port;
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                    .untilAsserted(() -> {
                        assertThat(gateway.isAlive()).isTrue();
                        String health = http.send(HttpRequest.newBuilder(URI.create(base + "/health")).build(),
                                HttpResponse.BodyHandlers.ofString()).body();
                        assertThat(health).contains("\"redis\":\"up\"");
                    });

            token = new TokenVerifier(FIXED_SECRET, Clock.systemUTC())
                    .currentToken("app1");
            String ws = "ws://127.0.0.1:" + port;
            // refused handshakes: a wrong token, then a missing one
            assertThat(WsClient.handshakeStatus(URI.create(ws + "/ws/s1?appid=app1&token=0000000000"))).isEqualTo(401);
            assertThat(WsClient.handshakeStatus(URI.create(ws + "/ws/s1"))).isEqualTo(401);

            try (WsClient chat = WsClient.connect(URI.create(ws + "/ws/s1?appid=app1&token=" + token));
                 WsClient judge = WsClient.connect(URI.create(ws + "/ws?appid=app1&token=" + token))) {
                chat.userMessage("hello there");
                List<WsClient.Frame> turn = chat.untilFinal();
                assertThat(turn.get(turn.size() - 1).text("type")).isEqualTo("assistant_message");
                // a failed turn: logged at WARN with its exception, as DEBUG is on
                agent.script(StandInAgent.status(500));
                chat.userMessage("and now?");
                assertThat(chat.untilFinal()).last().extracting(f -> f.text("type")).isEqualTo("error");

                // a tool call that succeeds, one with a wrong key, one for a session with no socket
                HttpRequest.Builder tool = HttpRequest.newBuilder(URI.create(base + "/tool/execute/s1"))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"read\",\"arguments\":{},\"call_id\":\"c1\"}"));
                CompletableFuture<HttpResponse<String>> ok = http.sendAsync(
                        tool.copy().header("X-Internal-Auth", INTERNAL_KEY).build(), HttpResponse.BodyHandlers.ofString());
                WsClient.Frame call = chat.next();
                assertThat(call.text("type")).isEqualTo("tool_call");
                chat.sendJson("type", "tool_result", "call_id", "c1", "result", Map.of("page", 1));
                assertThat(ok.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
                assertThat(http.send(tool.copy().header("X-Internal-Auth", WRONG_KEY).build(),
                        HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(401);
                assertThat(http.send(tool.copy().header("X-Internal-Auth", INTERNAL_KEY)
                        .POST(HttpRequest.BodyPublishers.ofString("not json")).build(),
                        HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(400);
                assertThat(http.send(HttpRequest.newBuilder(URI.create(base + "/tool/execute/nobody"))
                        .header("X-Internal-Auth", INTERNAL_KEY).header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"read\"}")).build(),
                        HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(404);

                // a judgement through Redis (AUTH with the password), answered by the demo worker
                judge.send("{\"type\":\"agent_judgement\",\"agent_ids\":[\"agent1\"],\"data\":{\"user_input\":\"x\"}}");
                WsClient.Frame f = judge.nextOfType("agent_judgement_final");
                assertThat(f.json().path("result_code").asInt()).isZero();
            }
        } finally {
            gateway.destroy();
            if (!gateway.waitFor(30, TimeUnit.SECONDS)) {
                gateway.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
            redis.stop();
            agent.close();
        }

        String stdout = Files.readString(out, StandardCharsets.UTF_8);
        String all = stdout + Files.readString(err, StandardCharsets.UTF_8);
        // The log has something to leak: the gateway's DEBUG lines about this traffic are there.
        assertThat(all).contains("DEBUG").contains("opened for session s1").contains("Answer for session s1 failed");
        assertThat(all).doesNotContain(FIXED_SECRET).doesNotContain(INTERNAL_KEY).doesNotContain(REDIS_PASSWORD)
                .doesNotContain(WRONG_KEY).doesNotContain("token=" + token).doesNotContain(token);

        List<String> lines = stdout.lines().filter(l -> !l.isBlank()).toList();
        assertThat(lines).hasSizeGreaterThan(10);
        if (format.equals("json")) {
            for (String line : lines) {
                JsonNode entry = JSON.readTree(line);
                assertThat(entry.isObject()).as(line).isTrue();
                assertThat(entry.has("@timestamp") && entry.has("level") && entry.has("logger_name")
                        && entry.has("message")).as(line).isTrue();
            }
        } else {
            assertThat(lines.get(0)).matches("\\d\\d:\\d\\d:\\d\\d\\.\\d{3} [A-Z]+ +\\[.*");
            assertThat(lines).noneMatch(l -> l.startsWith("{"));
        }
    }
}
