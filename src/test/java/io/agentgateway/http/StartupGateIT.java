package io.agentgateway.http;

import java.io.IOException;
import java.net.ConnectException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.agentgateway.testing.GatewayProcess;
import io.agentgateway.testing.RawHandshake;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A gateway process polled from the moment it is launched: until /health first answers 200, every answer, to a
 * REST call and to a WebSocket upgrade alike, is 503 with {@code {"error": ...}} and Retry-After (or the connection
 * is refused: not listening yet), never Vert.x's 404 of a path whose route has not started yet.
 * <p>
 * The server listens before the routes start; on its own that window is a few hundred milliseconds, and the first
 * request a fresh JVM serves can take about as long, so a poller could miss it. The route controller's initial delay
 * (a Camel setting, here a system property) holds the routes back for {@link #ROUTES_HELD_BACK_MS} while the server
 * listens, so the window is there on every run.
 */
class StartupGateIT {

    private static final long ROUTES_HELD_BACK_MS = 3000;
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    /** One answer before the gateway was ready. */
    private record Early(String request, int status, Optional<String> retryAfter, String contentType, String body) {
    }

    @Test
    void untilTheRoutesHaveStartedEveryRequestGets503WithAJsonError() throws Exception {
        List<Early> early = new ArrayList<>();
        int refused = 0;
        try (GatewayProcess gateway = GatewayProcess.launch("startup-gate", Map.of(),
                List.of("-Dcamel.routecontroller.initialDelay=" + ROUTES_HELD_BACK_MS))) {
            long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
            boolean ready = false;
            while (!ready) {
                assertThat(System.nanoTime()).as("ready within 90 s").isLessThan(deadline);
                assertThat(gateway.isAlive()).as("the gateway runs: " + gateway.log()).isTrue();
                try {
                    HttpResponse<String> health = HTTP.send(HttpRequest.newBuilder(gateway.url("/health"))
                            .timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.ofString());
                    if (health.statusCode() == 200) {
                        ready = true;
                    } else {
                        early.add(new Early("GET /health", health.statusCode(),
                                health.headers().firstValue("Retry-After"),
                                health.headers().firstValue("Content-Type").orElse(""), health.body()));
                    }
                    // the other REST paths, and a WebSocket upgrade (no credentials needed: auth is off), while it is
                    // still not ready
                    if (!ready) {
                        // the gate may open between these requests: an answer the ready gateway gives is not early
                        for (HttpRequest rest : List.of(
                                HttpRequest.newBuilder(gateway.url("/metrics")).GET().build(),
                                HttpRequest.newBuilder(gateway.url("/openapi.json")).GET().build(),
                                HttpRequest.newBuilder(gateway.url("/tool/execute/early-session"))
                                        .header("Content-Type", "application/json")
                                        .POST(HttpRequest.BodyPublishers.ofString("{\"tool_name\":\"t\"}")).build())) {
                            HttpResponse<String> r = HTTP.send(rest, HttpResponse.BodyHandlers.ofString());
                            if (r.statusCode() == (rest.method().equals("POST") ? 401 : 200)) {
                                continue; // ready: 401 for a tool call without the internal key, 200 for the rest
                            }
                            early.add(new Early(rest.method() + " " + rest.uri().getPath(), r.statusCode(),
                                    r.headers().firstValue("Retry-After"),
                                    r.headers().firstValue("Content-Type").orElse(""), r.body()));
                        }
                        RawHandshake.Response ws = RawHandshake.send(gateway.port(), "/ws/early-session", Map.of());
                        if (ws.status() != 101) {
                            early.add(new Early("upgrade /ws/early-session", ws.status(),
                                    Optional.ofNullable(ws.headers().get("retry-after")),
                                    ws.headers().getOrDefault("content-type", ""), ws.body()));
                        }
                    }
                } catch (ConnectException notListeningYet) {
                    refused++;
                } catch (IOException e) {
                    if (!(e.getCause() instanceof ConnectException)) {
                        throw e;
                    }
                    refused++;
                }
                Thread.sleep(5);
            }
        }

        System.out.printf("before ready: %d refused connections, %d answers (%d to upgrades)%n", refused, early.size(),
                early.stream().filter(e -> e.request().startsWith("upgrade")).count());
        assertThat(early).as("answers before ready (after %d refused connections)", refused).isNotEmpty()
                .allSatisfy(e -> {
                    assertThat(e.status()).as(e.toString()).isEqualTo(503);
                    assertThat(e.retryAfter()).as(e.toString()).isPresent();
                    assertThat(e.contentType()).as(e.toString()).startsWith("application/json");
                    JsonNode body = MAPPER.readTree(e.body());
                    assertThat(body.path("error").asText()).as(e.toString()).isNotBlank();
                });
        for (String request : List.of("upgrade", "GET /metrics", "GET /openapi.json", "POST /tool/execute")) {
            assertThat(early).as(request + " was answered too").anyMatch(e -> e.request().startsWith(request));
        }
    }
}
