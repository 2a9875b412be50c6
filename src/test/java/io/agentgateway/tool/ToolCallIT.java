package io.agentgateway.tool;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.agentgateway.testing.GatewayWithAgent;
import io.agentgateway.testing.RunningGateway;
import io.agentgateway.testing.StandInAgent;
import io.agentgateway.testing.WsClient;
import io.agentgateway.testing.WsClient.Frame;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** {@code POST /tool/execute/{session_id}} against the running gateway, with real sockets answering. */
class ToolCallIT extends GatewayWithAgent {

    private static final String KEY = "tool-test-key";
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** Every status the endpoint answers, as the tests below provoke them and as the OpenAPI document must list them. */
    private static final Set<Integer> STATUSES = Set.of(200, 400, 401, 404, 409, 410, 429, 502, 504);

    /** Every status this class saw the endpoint answer; when every test ran, it must be all of STATUSES. */
    private static final Set<Integer> SEEN = new ConcurrentSkipListSet<>();
    private static final Set<String> RAN = new ConcurrentSkipListSet<>();

    @Override
    protected RunningGateway.Builder configure(RunningGateway.Builder builder) {
        return builder.property("gateway.internal-api-key", KEY)
                .property("gateway.request-timeout", "1")
                .property("gateway.tool.max-timeout", "2")
                .property("gateway.tool.max-pending-per-session", "3");
    }

    @AfterEach
    void noCallOutlivesItsTest(TestInfo test) {
        RAN.add(test.getDisplayName());
        PendingToolCalls pending = gateway.context().getRegistry()
                .lookupByNameAndType("pendingToolCalls", PendingToolCalls.class);
        await().atMost(Duration.ofSeconds(3)).until(() -> pending.size() == 0);
    }

    private CompletableFuture<HttpResponse<String>> post(String session, String body, String key) {
        HttpRequest.Builder b = HttpRequest.newBuilder(gateway.url("/tool/execute/" + session))
                .timeout(Duration.ofSeconds(20))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (key != null) {
            b.header("X-Internal-Auth", key);
        }
        return HTTP.sendAsync(b.build(), HttpResponse.BodyHandlers.ofString()).thenApply(r -> {
            SEEN.add(r.statusCode());
            return r;
        });
    }

    private HttpResponse<String> call(String session, String body) {
        return post(session, body, KEY).join();
    }

    private static JsonNode json(HttpResponse<String> r) {
        try {
            return MAPPER.readTree(r.body());
        } catch (Exception e) {
            throw new AssertionError("not JSON: " + r.body(), e);
        }
    }

    private static void assertError(HttpResponse<String> r, int status, String message) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("application/json"));
        assertThat(json(r).path("error").asText()).startsWith(message);
    }

    @Test
    void theClientsResultIsTheHttpAnswer() {
        try (WsClient ws = gateway.connect("/ws/tool-ok")) {
            awaitSession("tool-ok");
            var response = post("tool-ok", "{\"name\":\"read_doc\",\"arguments\":{\"page\":2},\"call_id\":\"c-1\"}", KEY);
            Frame call = ws.next();
            assertThat(call.json()).isEqualTo(node("{\"type\":\"tool_call\",\"call_id\":\"c-1\",\"name\":\"read_doc\","
                                                  + "\"arguments\":{\"page\":2},\"seq\":0}"));
            ws.send("{\"type\":\"tool_result\",\"call_id\":\"c-1\",\"result\":{\"text\":\"page two\",\"n\":[1,2]}}");
            HttpResponse<String> r = response.join();
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(json(r)).isEqualTo(node("{\"call_id\":\"c-1\",\"result\":{\"text\":\"page two\",\"n\":[1,2]}}"));
            assertThat(r.headers().map().keySet()).map(String::toLowerCase).doesNotContain("x-internal-auth");
        }
    }

    @Test
    void aCallIdIsMadeWhenNoneIsGivenAndAnyJsonIsAResult() {
        try (WsClient ws = gateway.connect("/ws/tool-gen")) {
            awaitSession("tool-gen");
            var response = post("tool-gen", "{\"name\":\"confirm\"}", KEY);
            Frame call = ws.next();
            String callId = call.text("call_id");
            assertThat(callId).isNotBlank();
            assertThat(call.json().path("arguments").isObject()).isTrue();
            ws.sendJson("type", "tool_result", "call_id", callId, "result", true);
            assertThat(json(response.join())).isEqualTo(node("{\"call_id\":\"" + callId + "\",\"result\":true}"));
        }
    }

    @Test
    void aClientErrorIs502() {
        try (WsClient ws = gateway.connect("/ws/tool-err")) {
            awaitSession("tool-err");
            var response = post("tool-err", "{\"name\":\"camera\",\"call_id\":\"c-2\"}", KEY);
            ws.next();
            ws.send("{\"type\":\"tool_result\",\"call_id\":\"c-2\",\"error\":\"user denied camera access\"}");
            HttpResponse<String> r = response.join();
            assertThat(r.statusCode()).isEqualTo(502);
            assertThat(json(r)).isEqualTo(node("{\"call_id\":\"c-2\",\"error\":\"user denied camera access\"}"));
        }
    }

    @Test
    void badCredentialsAre401() {
        assertError(post("x", "{\"name\":\"t\"}", null).join(), 401, "Missing or wrong X-Internal-Auth");
        assertError(post("x", "{\"name\":\"t\"}", KEY + "x").join(), 401, "Missing or wrong X-Internal-Auth");
        assertError(post("x", "{\"name\":\"t\"}", "").join(), 401, "Missing or wrong X-Internal-Auth");
    }

    @Test
    void malformedBodiesAre400() {
        try (WsClient ws = gateway.connect("/ws/tool-bad")) {
            awaitSession("tool-bad");
            assertError(call("tool-bad", "not json"), 400, "Body is not valid JSON");
            assertError(call("tool-bad", "[1,2]"), 400, "Body must be a JSON object");
            assertError(call("tool-bad", "{\"arguments\":{}}"), 400, "Field 'name' must be a non-empty string");
            assertError(call("tool-bad", "{\"name\":7}"), 400, "Field 'name' must be a non-empty string");
            assertError(call("tool-bad", "{\"name\":\"t\",\"arguments\":[1]}"), 400, "Field 'arguments' must be a JSON object");
            assertError(call("tool-bad", "{\"name\":\"t\",\"timeout_s\":\"soon\"}"), 400, "Field 'timeout_s' must be a number");
            assertError(call("tool-bad", "{\"name\":\"t\",\"timeout_s\":-1}"), 400, "Field 'timeout_s' must be a number");
            assertError(call("tool-bad", "{\"name\":\"t\",\"call_id\":5}"), 400, "Field 'call_id' must be a non-empty string");
        }
    }

    @Test
    void noSocketForTheSessionIs404() {
        assertError(call("nobody-home", "{\"name\":\"t\"}"), 404, "No socket open for session nobody-home");
    }

    @Test
    void aSecondCallWithAPendingCallIdIs409AndTooManyPendingIs429() {
        try (WsClient ws = gateway.connect("/ws/tool-limits")) {
            awaitSession("tool-limits");
            var first = post("tool-limits", "{\"name\":\"t\",\"call_id\":\"dup\"}", KEY);
            ws.next();
            assertError(call("tool-limits", "{\"name\":\"t\",\"call_id\":\"dup\"}"), 409,
                    "A call with call_id dup is already pending");
            var second = post("tool-limits", "{\"name\":\"t\",\"call_id\":\"two\"}", KEY);
            var third = post("tool-limits", "{\"name\":\"t\",\"call_id\":\"three\"}", KEY);
            ws.next();
            ws.next();
            assertError(call("tool-limits", "{\"name\":\"t\",\"call_id\":\"four\"}"), 429, "Too many tool calls pending");
            for (String id : List.of("dup", "two", "three")) {
                ws.sendJson("type", "tool_result", "call_id", id, "result", id);
            }
            assertThat(List.of(first.join(), second.join(), third.join())).extracting(HttpResponse::statusCode)
                    .containsOnly(200);
        }
    }

    @Test
    void noAnswerIs504AtTheGivenTimeoutTheDefaultOrTheCap() {
        try (WsClient ws = gateway.connect("/ws/tool-slow")) {
            awaitSession("tool-slow");
            long t0 = System.nanoTime();
            HttpResponse<String> given = call("tool-slow", "{\"name\":\"t\",\"call_id\":\"quick\",\"timeout_s\":0.3}");
            long givenMs = (System.nanoTime() - t0) / 1_000_000;
            assertError(given, 504, "No tool_result from the client within 0.3 s");
            assertThat(json(given).path("call_id").asText()).isEqualTo("quick");
            assertThat(givenMs).isBetween(250L, 1500L);

            t0 = System.nanoTime();
            assertError(call("tool-slow", "{\"name\":\"t\"}"), 504, "No tool_result from the client within 1 s");
            assertThat((System.nanoTime() - t0) / 1_000_000).isBetween(900L, 2500L);

            t0 = System.nanoTime();
            assertError(call("tool-slow", "{\"name\":\"t\",\"timeout_s\":100}"), 504,
                    "No tool_result from the client within 2 s");
            assertThat((System.nanoTime() - t0) / 1_000_000).isBetween(1900L, 4000L);

            // an answer after the timeout is refused on the socket, which stays usable
            while (ws.poll(Duration.ZERO) != null) {
                // drop the three tool_call frames
            }
            ws.sendJson("type", "tool_result", "call_id", "quick", "result", 1);
            assertThat(ws.next().text("error")).isEqualTo("Unknown call_id: quick (not pending, or already answered)");
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void aSocketThatClosesWhileACallIsPendingIs410AtOnce() throws Exception {
        WsClient ws = gateway.connect("/ws/tool-gone");
        awaitSession("tool-gone");
        var response = post("tool-gone", "{\"name\":\"t\",\"call_id\":\"g\",\"timeout_s\":2}", KEY);
        ws.next();
        long closedAt = System.nanoTime();
        ws.abort();
        HttpResponse<String> r = response.get(5, TimeUnit.SECONDS);
        assertError(r, 410, "The client's socket closed before it answered");
        assertThat(json(r).path("call_id").asText()).isEqualTo("g");
        assertThat((System.nanoTime() - closedAt) / 1_000_000).as("answered at once, not at the timeout").isLessThan(1000);
    }

    @Test
    void unknownAndRepeatedToolResultsAreRefusedOnTheSocket() {
        try (WsClient ws = gateway.connect("/ws/tool-unknown")) {
            awaitSession("tool-unknown");
            ws.sendJson("type", "tool_result", "call_id", "never-sent", "result", 1);
            assertThat(ws.next().text("error")).isEqualTo("Unknown call_id: never-sent (not pending, or already answered)");
            var response = post("tool-unknown", "{\"name\":\"t\",\"call_id\":\"once\"}", KEY);
            ws.next();
            ws.sendJson("type", "tool_result", "call_id", "once", "result", "first");
            assertThat(json(response.join()).path("result").asText()).isEqualTo("first");
            ws.sendJson("type", "tool_result", "call_id", "once", "result", "second");
            assertThat(ws.next().text("error")).startsWith("Unknown call_id: once");
            ws.send("{\"type\":\"tool_result\",\"call_id\":\"x\"}");
            assertThat(ws.next().text("error")).isEqualTo("Invalid tool_result: exactly one of 'result' and 'error' is required");
            ws.send("{\"type\":\"tool_result\",\"result\":1}");
            assertThat(ws.next().text("error")).isEqualTo("Invalid tool_result: missing field 'call_id'");
        }
    }

    @Test
    void aToolCallInterleavesWithAStreamingAnswer() {
        agent.script(StandInAgent.openAi(List.of("a ", "b ", "c ", "d ", "e ", "f"), Duration.ofMillis(100)));
        try (WsClient ws = gateway.connect("/ws/tool-stream")) {
            awaitSession("tool-stream");
            ws.userMessage("stream while a tool runs");
            assertThat(ws.next().text("token")).isEqualTo("a ");
            var response = post("tool-stream", "{\"name\":\"t\",\"call_id\":\"mid\"}", KEY);
            List<Frame> frames = new ArrayList<>();
            boolean answered = false;
            while (frames.isEmpty() || !frames.get(frames.size() - 1).isFinal()) {
                Frame f = ws.next();
                frames.add(f);
                if (!answered && "tool_call".equals(f.text("type"))) {
                    ws.sendJson("type", "tool_result", "call_id", "mid", "result", "done");
                    answered = true;
                }
            }
            assertThat(answered).isTrue();
            assertThat(json(response.join()).path("result").asText()).isEqualTo("done");
            assertThat(frames).filteredOn(f -> "assistant_message".equals(f.text("type")))
                    .extracting(f -> f.text("token")).containsExactly("b ", "c ", "d ", "e ", "f", "");
            int callAt = frames.indexOf(frames.stream().filter(f -> "tool_call".equals(f.text("type"))).findFirst().get());
            assertThat(callAt).as("the tool call arrived mid-answer").isLessThan(frames.size() - 2);
        }
    }

    @Test
    void fiftyConcurrentCallsOnFiftySockets() throws Exception {
        int n = 50;
        List<WsClient> sockets = new ArrayList<>();
        try {
            for (int i = 0; i < n; i++) {
                sockets.add(gateway.connect("/ws/tool-many-" + i));
            }
            for (int i = 0; i < n; i++) {
                awaitSession("tool-many-" + i);
            }
            List<CompletableFuture<HttpResponse<String>>> responses = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                responses.add(post("tool-many-" + i, "{\"name\":\"echo\",\"arguments\":{\"i\":" + i + "}}", KEY));
            }
            for (WsClient ws : sockets) {
                Frame call = ws.next();
                ws.sendJson("type", "tool_result", "call_id", call.text("call_id"),
                        "result", call.json().path("arguments").path("i").asInt() * 10);
            }
            for (int i = 0; i < n; i++) {
                HttpResponse<String> r = responses.get(i).get(10, TimeUnit.SECONDS);
                assertThat(r.statusCode()).isEqualTo(200);
                assertThat(json(r).path("result").asInt()).as("call %d got its own socket's answer", i).isEqualTo(i * 10);
            }
        } finally {
            sockets.forEach(WsClient::close);
        }
    }

    @Test
    void pendingCallsHoldNoThread() throws Exception {
        // 60 calls wait at once, more than the 40 Vert.x workers that platform-http runs routes on: with a
        // thread held per waiting call, the later calls would never reach their sockets and /health would stall.
        int sessions = 30;
        List<WsClient> sockets = new ArrayList<>();
        List<CompletableFuture<HttpResponse<String>>> responses = new ArrayList<>();
        try {
            for (int i = 0; i < sessions; i++) {
                sockets.add(gateway.connect("/ws/tool-wait-" + i));
                awaitSession("tool-wait-" + i);
            }
            for (int i = 0; i < sessions; i++) {
                for (int j = 0; j < 2; j++) {
                    responses.add(post("tool-wait-" + i, "{\"name\":\"t\",\"call_id\":\"w" + j + "\",\"timeout_s\":2}", KEY));
                }
            }
            for (WsClient ws : sockets) {
                ws.next(Duration.ofSeconds(5));
                ws.next(Duration.ofSeconds(5));
            }
            PendingToolCalls pending = gateway.context().getRegistry()
                    .lookupByNameAndType("pendingToolCalls", PendingToolCalls.class);
            assertThat(pending.size()).isEqualTo(2 * sessions);
            long t0 = System.nanoTime();
            assertThat(gateway.get("/health").statusCode()).isEqualTo(200);
            assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(1000);
            for (WsClient ws : sockets) {
                ws.sendJson("type", "tool_result", "call_id", "w0", "result", 0);
                ws.sendJson("type", "tool_result", "call_id", "w1", "result", 1);
            }
            for (var r : responses) {
                assertThat(r.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
            }
        } finally {
            sockets.forEach(WsClient::close);
        }
    }

    @Test
    void theOpenApiDocumentListsExactlyTheStatusesTheEndpointAnswers() throws Exception {
        HttpResponse<String> doc = gateway.get("/openapi.json");
        assertThat(doc.statusCode()).isEqualTo(200);
        JsonNode post = json(doc).path("paths").path("/tool/execute/{session_id}").path("post");
        assertThat(post.isMissingNode()).as("POST /tool/execute/{session_id} documented").isFalse();
        Set<Integer> documented = new TreeSet<>();
        for (Iterator<String> it = post.path("responses").fieldNames(); it.hasNext(); ) {
            documented.add(Integer.parseInt(it.next()));
        }
        assertThat(documented).isEqualTo(new TreeSet<>(STATUSES));
        List<String> params = new ArrayList<>();
        post.path("parameters").forEach(p -> params.add(p.path("in").asText() + ":" + p.path("name").asText()));
        assertThat(params).contains("path:session_id", "header:X-Internal-Auth");
        assertThat(json(doc).path("paths").has("/health")).isTrue();
    }

    /** Independent of test order: checked once the class is done, and only when every test of it ran. */
    @AfterAll
    void everyDocumentedStatusWasSeen() {
        long tests = Arrays.stream(ToolCallIT.class.getDeclaredMethods()).filter(m -> m.isAnnotationPresent(Test.class)).count();
        if (RAN.size() == tests) {
            assertThat(new TreeSet<>(SEEN)).as("statuses the tests provoked").isEqualTo(new TreeSet<>(STATUSES));
        }
    }

    private void awaitSession(String sessionId) {
        io.agentgateway.session.SessionRegistry sessions = gateway.context().getRegistry()
                .lookupByNameAndType("sessionRegistry", io.agentgateway.session.SessionRegistry.class);
        await().atMost(Duration.ofSeconds(3)).until(() -> sessions.find(sessionId).isPresent());
    }

    private static JsonNode node(String json) {
        try {
            return MAPPER.readTree(json);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

}
