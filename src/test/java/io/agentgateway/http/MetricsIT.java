package io.agentgateway.http;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.agentgateway.session.SessionRegistry;
import io.agentgateway.testing.GatewayWithAgent;
import io.agentgateway.testing.RunningGateway;
import io.agentgateway.testing.StandInAgent;
import io.agentgateway.testing.WsClient;
import io.agentgateway.testing.WsClient.Frame;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code GET /metrics} after real traffic: each test scrapes before and after what it drives, and checks that the
 * metrics moved by exactly what happened (deltas, so the tests do not depend on each other or on their order).
 */
class MetricsIT extends GatewayWithAgent {

    private static final String KEY = "metrics-test-key";
    private static final Duration SETTLE = Duration.ofSeconds(10);
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final List<String> TOKEN_BUCKETS = List.of("0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5",
            "1.0", "2.5", "5.0", "10.0", "30.0", "+Inf");

    @Override
    protected RunningGateway.Builder configure(RunningGateway.Builder builder) {
        // no resume grace: a client that goes away abandons its answer at once (aClientThatGoesAwayAbandonsItsAnswer)
        return builder.property("gateway.internal-api-key", KEY).property("gateway.session.resume-grace", "0");
    }

    /** No test leaves an answer streaming or a socket open for the next one to count. */
    @AfterEach
    void nothingLeftOpen() {
        await().atMost(SETTLE).untilAsserted(() -> {
            PrometheusText now = scrape(gateway);
            assertThat(now.value("gateway_answers_active")).isZero();
            assertThat(now.value("gateway_websocket_connections")).isZero();
        });
    }

    @Test
    void prometheusTextWithEveryGatewayMetricFromTheStart() throws Exception {
        HttpResponse<String> r = gateway.get("/metrics");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(
                v -> assertThat(v).startsWith("text/plain; version=0.0.4"));
        PrometheusText metrics = PrometheusText.parse(r.body());
        for (String[] series : new String[][]{
                {"gateway_websocket_connections", "endpoint", "chat"},
                {"gateway_websocket_connections", "endpoint", "judgement"},
                {"gateway_answers_active"},
                {"gateway_answers_total", "outcome", "completed"},
                {"gateway_answers_total", "outcome", "failed"},
                {"gateway_answers_total", "outcome", "cancelled"},
                {"gateway_answers_total", "outcome", "abandoned"},
                {"gateway_time_to_first_token_seconds_count"},
                {"gateway_inter_token_seconds_count"},
                {"gateway_tokens_total"},
                {"gateway_agent_errors_total", "kind", "refused"},
                {"gateway_agent_errors_total", "kind", "status"},
                {"gateway_agent_errors_total", "kind", "timeout"},
                {"gateway_agent_errors_total", "kind", "malformed"},
                {"gateway_agent_errors_total", "kind", "other"},
                {"gateway_tool_calls_total", "status", "200"},
                {"gateway_tool_calls_total", "status", "404"},
                {"gateway_judgement_replies_total", "type", "stream"},
                {"gateway_judgement_replies_total", "type", "final"},
                {"gateway_judgement_replies_total", "type", "timeout"},
                {"gateway_resumes_total", "recovered", "true"},
                {"gateway_resumes_total", "recovered", "false"},
                {"gateway_merged_frames_total"},
                {"gateway_merged_tokens_total"},
                {"gateway_frames_handed_over_total"},
                {"gateway_session_frames_kept_bytes"},
                {"gateway_session_frames_memory_bytes"}}) {
            String[] labels = java.util.Arrays.copyOfRange(series, 1, series.length);
            assertThat(metrics.find(series[0], labels)).as(String.join(" ", series)).hasSize(1);
        }
        assertThat(metrics.find("jvm_memory_used_bytes", "area", "heap")).isNotEmpty();
        assertThat(metrics.value("camel_routes_running_routes")).isPositive();
        // explicit buckets for token streams, not Micrometer's percentiles
        for (String histogram : List.of("gateway_time_to_first_token_seconds", "gateway_inter_token_seconds")) {
            assertThat(metrics.find(histogram + "_bucket")).map(s -> s.labels().get("le"))
                    .as(histogram).containsExactlyElementsOf(TOKEN_BUCKETS);
        }
        assertThat(metrics.find("gateway_time_to_first_token_seconds", "quantile", "0.5")).isEmpty();
    }

    /** Style rule: every route has an explicit kebab-case id (Camel names a route without one "route1", ...). */
    @Test
    void everyRouteHasAnExplicitKebabCaseId() throws Exception {
        List<String> ids = PrometheusText.parse(gateway.get("/metrics").body()).find("camel_exchanges_total").stream()
                .map(s -> s.labels().get("routeId")).filter(id -> id != null && !id.isEmpty()).toList();
        assertThat(ids).contains("ws-ingress", "chat-turn", "openapi-document")
                .allSatisfy(id -> assertThat(id).matches("[a-z]+(-[a-z]+)*").doesNotMatch("route\\d+"));
    }

    /** Camel's series are per route only: no context-wide one counting each frame once per route it passes. */
    @Test
    void camelSeriesAreAllPerRoute() throws Exception {
        PrometheusText metrics = PrometheusText.parse(gateway.get("/metrics").body());
        for (String series : List.of("camel_exchanges_total", "camel_route_policy_seconds_count")) {
            assertThat(metrics.find(series)).as(series).isNotEmpty()
                    .allSatisfy(s -> assertThat(s.labels().get("routeId")).as(series + " " + s.labels())
                            .isNotBlank());
        }
    }

    /**
     * Camel builds an event for every exchange and every hop (and times each send) as soon as one notifier takes
     * exchange events: none of the gateway's does (the route meters come from route events and the route policy).
     */
    @Test
    void noEventNotifierTakesExchangeEvents() {
        var notifiers = gateway.context().getManagementStrategy().getEventNotifiers();
        assertThat(notifiers).isNotEmpty().allSatisfy(n -> assertThat(n.isIgnoreExchangeEvents())
                .as(n.getClass().getName() + " takes exchange events").isTrue());
    }

    @Test
    void aCompletedAnswerCountsItsTokensAndTimesThem() {
        List<String> tokens = List.of("one ", "two ", "three ", "four ", "five");
        // the first token 300 ms after the request, so the time to it cannot be shorter
        agent.script((request, response, vertx) -> vertx.setTimer(300,
                id -> StandInAgent.openAi(tokens, Duration.ofMillis(10)).answer(request, response, vertx)));
        PrometheusText before = scrape(gateway);
        try (WsClient ws = gateway.connect("/ws/metrics-complete")) {
            List<Frame> turn = ws.userMessage("count to five").untilFinal();
            assertThat(turn).hasSize(tokens.size() + 1);
        }
        PrometheusText after = awaitDelta(gateway, before, 1, "gateway_answers_total", "outcome", "completed");
        assertThat(delta(before, after, "gateway_tokens_total")).isEqualTo(5);
        assertThat(delta(before, after, "gateway_time_to_first_token_seconds_count")).isEqualTo(1);
        assertThat(delta(before, after, "gateway_inter_token_seconds_count")).isEqualTo(4);
        // the answer's frames stay kept for resume, in a ring at least their size
        assertThat(after.value("gateway_session_frames_kept_bytes")).isPositive();
        assertThat(after.value("gateway_session_frames_memory_bytes"))
                .isGreaterThanOrEqualTo(after.value("gateway_session_frames_kept_bytes"));
        assertThat(delta(before, after, "gateway_time_to_first_token_seconds_sum")).isGreaterThanOrEqualTo(0.3);
        assertThat(delta(before, after, "gateway_time_to_first_token_seconds_bucket", "le", "0.25")).isZero();
        assertThat(delta(before, after, "gateway_time_to_first_token_seconds_bucket", "le", "+Inf")).isEqualTo(1);
        for (String other : List.of("failed", "cancelled", "abandoned")) {
            assertThat(delta(before, after, "gateway_answers_total", "outcome", other)).as(other).isZero();
        }
        // Camel's own route metrics (camel-micrometer's route policy), one exchange per user_message
        assertThat(delta(before, after, "camel_exchanges_total", "routeId", "chat-turn")).isEqualTo(1);
        assertThat(delta(before, after, "camel_route_policy_seconds_count", "routeId", "chat-turn")).isEqualTo(1);
    }

    @Test
    void aCancelledAnswerIsActiveWhileItStreamsAndEndsCancelled() {
        agent.script(StandInAgent.endless(Duration.ofMillis(50)));
        PrometheusText before = scrape(gateway);
        try (WsClient ws = gateway.connect("/ws/metrics-cancel")) {
            ws.userMessage("go on forever");
            assertThat(ws.next().text("type")).isEqualTo("assistant_message");
            await().atMost(SETTLE).until(() -> scrape(gateway).value("gateway_answers_active") == 1);
            ws.sendJson("type", "cancel");
            List<Frame> rest = ws.untilFinal();
            assertThat(rest.get(rest.size() - 1).json().path("cancelled").asBoolean()).isTrue();
            PrometheusText after = awaitScrape(gateway, now -> {
                assertThat(delta(before, now, "gateway_answers_total", "outcome", "cancelled")).isEqualTo(1);
                assertThat(now.value("gateway_answers_active")).isZero();
            });
            assertThat(delta(before, after, "gateway_answers_total", "outcome", "completed")).isZero();
            assertThat(delta(before, after, "gateway_time_to_first_token_seconds_count")).isEqualTo(1);
        }
    }

    @Test
    void aClientThatGoesAwayAbandonsItsAnswer() {
        agent.script(StandInAgent.endless(Duration.ofMillis(50)));
        PrometheusText before = scrape(gateway);
        WsClient ws = gateway.connect("/ws/metrics-abandon");
        ws.userMessage("go on forever");
        ws.next();
        ws.abort();
        PrometheusText after = awaitDelta(gateway, before, 1, "gateway_answers_total", "outcome", "abandoned");
        assertThat(delta(before, after, "gateway_answers_total", "outcome", "cancelled")).isZero();
    }

    @Test
    void anAgentAnswering500IsAFailedAnswerOfKindStatus() {
        agent.script(StandInAgent.status(500));
        PrometheusText before = scrape(gateway);
        try (WsClient ws = gateway.connect("/ws/metrics-500")) {
            assertThat(ws.userMessage("hello?").untilFinal()).singleElement()
                    .satisfies(f -> assertThat(f.text("type")).isEqualTo("error"));
        }
        PrometheusText after = awaitScrape(gateway, now -> {
            assertThat(delta(before, now, "gateway_answers_total", "outcome", "failed")).isEqualTo(1);
            assertThat(delta(before, now, "gateway_agent_errors_total", "kind", "status")).isEqualTo(1);
        });
        assertThat(delta(before, after, "gateway_agent_errors_total")).isEqualTo(1);
        assertThat(delta(before, after, "gateway_tokens_total")).isZero();
    }

    @Test
    void aMalformedStreamIsAnErrorOfKindMalformed() {
        agent.script(StandInAgent.raw("text/event-stream", "this is not a stream line\n"));
        PrometheusText before = scrape(gateway);
        try (WsClient ws = gateway.connect("/ws/metrics-malformed")) {
            assertThat(ws.userMessage("hello?").untilFinal()).singleElement()
                    .satisfies(f -> assertThat(f.text("error")).contains("malformed"));
        }
        PrometheusText after = awaitDelta(gateway, before, 1, "gateway_agent_errors_total", "kind", "malformed");
        assertThat(delta(before, after, "gateway_agent_errors_total")).isEqualTo(1);
    }

    @Test
    void aRefusedConnectionIsAnErrorOfKindRefused() throws Exception {
        try (RunningGateway unreachable = RunningGateway.builder()
                .agentUrl("http://127.0.0.1:" + RunningGateway.freePort() + "/v1/chat/completions").start();
             WsClient ws = unreachable.connect("/ws/metrics-refused")) {
            assertThat(ws.userMessage("anyone?").untilFinal()).singleElement()
                    .satisfies(f -> assertThat(f.text("error")).startsWith("Agent unreachable"));
            awaitScrape(unreachable, m -> {
                assertThat(m.value("gateway_agent_errors_total", "kind", "refused")).isEqualTo(1);
                assertThat(m.value("gateway_agent_errors_total")).isEqualTo(1);
                assertThat(m.value("gateway_answers_total", "outcome", "failed")).isEqualTo(1);
            });
        }
    }

    @Test
    void everyStatusOfTheToolEndpointIsCounted() {
        PrometheusText before = scrape(gateway);
        try (WsClient ws = gateway.connect("/ws/metrics-tool")) {
            SessionRegistry sessions = gateway.context().getRegistry()
                    .lookupByNameAndType("sessionRegistry", SessionRegistry.class);
            await().atMost(SETTLE).until(() -> sessions.find("metrics-tool").isPresent());
            var answered = toolCall("metrics-tool", KEY);
            assertThat(ws.next().text("type")).isEqualTo("tool_call");
            ws.send("{\"type\":\"tool_result\",\"call_id\":\"m-1\",\"result\":42}");
            assertThat(answered.join().statusCode()).isEqualTo(200);
            assertThat(toolCall("metrics-nobody", KEY).join().statusCode()).isEqualTo(404);
            assertThat(toolCall("metrics-tool", "wrong-key").join().statusCode()).isEqualTo(401);
            assertThat(toolCall("metrics-tool", null).join().statusCode()).isEqualTo(401);
        }
        PrometheusText after = awaitDelta(gateway, before, 2, "gateway_tool_calls_total", "status", "401");
        assertThat(delta(before, after, "gateway_tool_calls_total", "status", "200")).isEqualTo(1);
        assertThat(delta(before, after, "gateway_tool_calls_total", "status", "404")).isEqualTo(1);
        assertThat(delta(before, after, "gateway_tool_calls_total")).isEqualTo(4);
    }

    @Test
    void judgementRepliesAreCountedByType() {
        PrometheusText before = scrape(gateway);
        List<Frame> frames = new ArrayList<>();
        try (WsClient ws = gateway.connect("/ws")) {
            ws.send("{\"type\":\"agent_judgement\",\"agent_ids\":[\"agent1\"],\"data\":{\"user_input\":\"is it fine\"}}");
            do {
                frames.add(ws.next());
            } while (!frames.get(frames.size() - 1).text("type").equals("agent_judgement_final"));
        }
        long streamed = frames.stream().filter(f -> f.text("type").equals("agent_judgement_stream")).count();
        assertThat(streamed).isPositive();
        PrometheusText after = awaitDelta(gateway, before, 1, "gateway_judgement_replies_total", "type", "final");
        assertThat(delta(before, after, "gateway_judgement_replies_total", "type", "stream")).isEqualTo(streamed);
        assertThat(delta(before, after, "gateway_judgement_replies_total", "type", "timeout")).isZero();
    }

    @Test
    void theConnectionGaugesGoUpAndBackDown() {
        PrometheusText before = scrape(gateway);
        double chat = before.value("gateway_websocket_connections", "endpoint", "chat");
        double judgement = before.value("gateway_websocket_connections", "endpoint", "judgement");
        try (WsClient a = gateway.connect("/ws/metrics-socket-a");
             WsClient b = gateway.connect("/ws/metrics-socket-b");
             WsClient j = gateway.connect("/ws")) {
            await().atMost(SETTLE).untilAsserted(() -> {
                PrometheusText open = scrape(gateway);
                assertThat(open.value("gateway_websocket_connections", "endpoint", "chat")).isEqualTo(chat + 2);
                assertThat(open.value("gateway_websocket_connections", "endpoint", "judgement"))
                        .isEqualTo(judgement + 1);
            });
        }
        await().atMost(SETTLE).untilAsserted(() -> {
            PrometheusText closed = scrape(gateway);
            assertThat(closed.value("gateway_websocket_connections", "endpoint", "chat")).isEqualTo(chat);
            assertThat(closed.value("gateway_websocket_connections", "endpoint", "judgement")).isEqualTo(judgement);
        });
    }

    // --- helpers ---------------------------------------------------------------------------------

    private java.util.concurrent.CompletableFuture<HttpResponse<String>> toolCall(String session, String key) {
        HttpRequest.Builder b = HttpRequest.newBuilder(gateway.url("/tool/execute/" + session))
                .timeout(Duration.ofSeconds(20))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"read\",\"call_id\":\"m-1\",\"timeout_s\":5}"));
        if (key != null) {
            b.header("X-Internal-Auth", key);
        }
        return HTTP.sendAsync(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static PrometheusText scrape(RunningGateway g) {
        try {
            HttpResponse<String> r = g.get("/metrics");
            assertThat(r.statusCode()).isEqualTo(200);
            return PrometheusText.parse(r.body());
        } catch (Exception e) {
            throw new AssertionError("scraping /metrics failed", e);
        }
    }

    private static double delta(PrometheusText before, PrometheusText after, String name, String... labels) {
        return after.value(name, labels) - before.value(name, labels);
    }

    /** Scrapes until {@code name} has moved by {@code expected} since {@code before} (metrics settle just after the frames). */
    private static PrometheusText awaitDelta(RunningGateway g, PrometheusText before, double expected, String name,
                                             String... labels) {
        return awaitScrape(g, now -> assertThat(delta(before, now, name, labels))
                .as(name + " " + String.join(",", labels)).isEqualTo(expected));
    }

    /** Scrapes until {@code checks} pass, within {@link #SETTLE}; returns the scrape they passed on. */
    private static PrometheusText awaitScrape(RunningGateway g, java.util.function.Consumer<PrometheusText> checks) {
        PrometheusText[] last = new PrometheusText[1];
        await().atMost(SETTLE).untilAsserted(() -> {
            last[0] = scrape(g);
            checks.accept(last[0]);
        });
        return last[0];
    }
}
