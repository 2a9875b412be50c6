package io.agentgateway.http;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import io.agentgateway.testing.GatewayWithAgent;
import io.agentgateway.testing.RunningGateway;
import io.agentgateway.testing.SeedCredentials;
import io.agentgateway.testing.StandInAgent;
import io.agentgateway.testing.WsClient.Frame;
import io.agentgateway.testing.WsClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * docs/asyncapi.yaml against the running gateway: every frame the gateway sends in these tests is validated
 * against the document's schema of the message it should be, every frame the test sends against the client
 * schemas, and bad client frames must fail those schemas. When every test of the class ran, every message of the
 * document must have been seen on the wire, so a frame type the document lists but the gateway no longer sends is
 * caught as well as a field the document does not list.
 */
class AsyncApiConformanceIT extends GatewayWithAgent {

    private static final Path DOCUMENT = Path.of("docs/asyncapi.yaml");
    /** The id under which the document is given to the schema registry, so that its internal $refs resolve. */
    private static final String DOCUMENT_ID = "https://agent-gateway.invalid/asyncapi.json";
    private static final String SECRET = "asyncapi-secret";
    private static final String ALLOWED_ORIGIN = "https://app.example";
    private static final String INTERNAL_KEY = "asyncapi-key";
    private static final int LIMIT = 4096;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final SeedCredentials seed = new SeedCredentials(SECRET);
    /** Component message names seen on the wire (sent or received) by the tests of this class. */
    private final Set<String> seen = new ConcurrentSkipListSet<>();
    private final AtomicInteger testsRun = new AtomicInteger();

    private JsonNode document;
    private SchemaRegistry schemas;

    @Override
    protected RunningGateway.Builder configure(RunningGateway.Builder builder) {
        return builder.property("gateway.auth.fixed-secret", SECRET)
                .property("gateway.cors.origins", ALLOWED_ORIGIN)
                .property("gateway.internal-api-key", INTERNAL_KEY)
                .property("gateway.ws.max-message-bytes", Integer.toString(LIMIT))
                .property("gateway.demo-worker.delay-ms", "10");
    }

    @BeforeAll
    void loadDocument() throws IOException {
        document = new YAMLMapper().readTree(DOCUMENT.toFile());
        String json = JSON.writeValueAsString(document);
        // AsyncAPI 3.0's default schema format is a superset of JSON Schema draft 07.
        schemas = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_7,
                b -> b.schemas(Map.of(DOCUMENT_ID, json)));
    }

    @AfterEach
    void countTest() {
        testsRun.incrementAndGet();
    }

    // --- the document itself -------------------------------------------------------------------------------

    @Test
    void theGatewayServesThePackagedDocument() throws Exception {
        HttpResponse<byte[]> response = HTTP.send(HttpRequest.newBuilder(gateway.url("/asyncapi.yaml"))
                .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                type -> assertThat(type).matches("(application|text)/yaml.*"));
        assertThat(response.body()).isEqualTo(Files.readAllBytes(DOCUMENT));
        // the REST API's own document stays where it was
        assertThat(gateway.get("/openapi.json").statusCode()).isEqualTo(200);
    }

    @Test
    void theDocumentIsAsyncApi3AndEveryExampleMatchesItsSchema() {
        assertThat(document.path("asyncapi").asText()).isEqualTo("3.0.0");
        assertThat(channel("chat").path("address").asText()).isEqualTo("/ws/{session_id}");
        assertThat(channel("judgement").path("address").asText()).isEqualTo("/ws");
        Set<String> inOperations = new TreeSet<>();
        for (String channel : List.of("chat", "judgement")) {
            inOperations.addAll(messagesOf(channel, "send"));
            inOperations.addAll(messagesOf(channel, "receive"));
        }
        assertThat(inOperations).as("every message is sent or received by an operation")
                .containsExactlyInAnyOrderElementsOf(allMessages());
        for (String message : allMessages()) {
            JsonNode examples = document.path("components").path("messages").path(message).path("examples");
            assertThat(examples.size()).as("%s has an example", message).isPositive();
            examples.forEach(example -> assertValid(message, example.path("payload")));
        }
    }

    @Test
    void theSchemasRejectFramesTheyDoNotDescribe() {
        // so that a passing validation in the other tests means something
        assertInvalid("assistantToken", "{\"type\":\"assistant_message\",\"token\":\"x\",\"is_final\":false,\"seq\":0,"
                                        + "\"extra\":1}");
        assertInvalid("assistantToken", "{\"type\":\"assistant_message\",\"token\":\"x\",\"is_final\":false}");
        assertInvalid("assistantFinal", "{\"type\":\"assistant_message\",\"token\":\"\",\"is_final\":false,\"seq\":1}");
        assertInvalid("turnError", "{\"type\":\"error\",\"error\":\"x\",\"is_final\":true,\"seq\":\"1\"}");
        assertInvalid("refused", "{\"error\":\"x\",\"type\":\"error\"}");
        assertInvalid("agentJudgementTimeout", "{\"type\":\"agent_judgement_final\",\"session_id\":\"s\","
                                               + "\"agent_id\":\"a\",\"result_code\":0,\"error\":\"x\",\"data\":{}}");
        assertInvalid("agentJudgementFinal", "{\"type\":\"agent_judgement_final\",\"session_id\":\"s\","
                                             + "\"agent_id\":\"a\",\"result_code\":\"0\",\"data\":{}}");
        assertInvalid("toolResult", "{\"type\":\"tool_result\",\"call_id\":\"c\",\"result\":1,\"error\":\"e\"}");
        assertInvalid("userMessage", "{\"type\":\"user_message\",\"content\":\"   \"}");
    }

    // --- chat ----------------------------------------------------------------------------------------------

    @Test
    void aChatTurnIsTokensThenOneFinal() {
        agent.script(StandInAgent.openAi(List.of("Hello", " there", " friend"), Duration.ofMillis(10)));
        try (WsClient ws = chat("turn")) {
            sendClient(ws, "chat", "userMessage",
                    "{\"type\":\"user_message\",\"content\":\"Hello agent!\",\"role\":\"user\"}");
            List<Frame> turn = ws.untilFinal();
            assertThat(turn).hasSize(4);
            turn.subList(0, 3).forEach(f -> assertServerFrame("chat", "assistantToken", f));
            assertServerFrame("chat", "assistantFinal", turn.get(3));
            assertThat(WsClient.joined(turn)).isEqualTo("Hello there friend");
        }
    }

    @Test
    void aCancelledTurnEndsWithTheCancelledFinal() {
        agent.script(StandInAgent.endless(Duration.ofMillis(30)));
        try (WsClient ws = chat("cancel")) {
            sendClient(ws, "chat", "userMessage", "{\"type\":\"user_message\",\"content\":\"go on forever\"}");
            assertServerFrame("chat", "assistantToken", ws.next());
            sendClient(ws, "chat", "cancel", "{\"type\":\"cancel\"}");
            List<Frame> rest = ws.untilFinal();
            rest.subList(0, rest.size() - 1).forEach(f -> assertServerFrame("chat", "assistantToken", f));
            assertServerFrame("chat", "assistantCancelled", rest.get(rest.size() - 1));
        }
    }

    @Test
    void aReconnectWithLastSeqIsResumedFirst() {
        agent.script(StandInAgent.openAi(List.of("a", "b", "c"), Duration.ofMillis(10)));
        long firstSeq;
        try (WsClient ws = chat("resume-doc")) {
            sendClient(ws, "chat", "userMessage", "{\"type\":\"user_message\",\"content\":\"abc\"}");
            firstSeq = ws.untilFinal().get(0).json().path("seq").asLong();
        }
        try (WsClient again = gateway.connect("/ws/resume-doc?" + credentials() + "&last_seq=" + firstSeq)) {
            Frame resumed = assertServerFrame("chat", "resumed", again.next());
            assertThat(resumed.json().path("recovered").asBoolean()).isTrue();
            List<Frame> rest = again.untilFinal();
            rest.subList(0, rest.size() - 1).forEach(f -> assertServerFrame("chat", "assistantToken", f));
            assertServerFrame("chat", "assistantFinal", rest.get(rest.size() - 1));
        }
        try (WsClient unknown = gateway.connect("/ws/never-seen?" + credentials() + "&last_seq=3")) {
            Frame resumed = assertServerFrame("chat", "resumed", unknown.next());
            assertThat(resumed.json().path("recovered").asBoolean()).isFalse();
        }
    }

    @Test
    void aFailedTurnEndsWithTheErrorFinal() {
        agent.script(StandInAgent.status(500));
        try (WsClient ws = chat("failure")) {
            sendClient(ws, "chat", "userMessage", "{\"type\":\"user_message\",\"content\":\"fail please\"}");
            Frame f = ws.next();
            assertServerFrame("chat", "turnError", f);
            assertThat(f.text("error")).contains("500");
        }
    }

    @Test
    void refusedChatFramesGetTheRefusedFrameAndFailTheClientSchemas() throws Exception {
        agent.script(StandInAgent.endless(Duration.ofMillis(30)));
        try (WsClient ws = chat("refused")) {
            List<String> invalid = List.of(
                    "hello?",
                    "[\"user_message\"]",
                    "{\"content\":\"x\"}",
                    "{\"type\":[1]}",
                    "{\"type\":\"teleport\"}",
                    "{\"type\":\"agent_judgement\",\"agent_ids\":[\"a\"],\"data\":{\"user_input\":\"x\"}}",
                    "{\"type\":\"user_message\"}",
                    "{\"type\":\"user_message\",\"content\":{\"a\":1}}",
                    "{\"type\":\"user_message\",\"content\":\"  \"}",
                    "{\"type\":\"user_message\",\"content\":\"x\",\"role\":\"assistant\"}",
                    "{\"type\":\"tool_result\",\"result\":1}",
                    "{\"type\":\"tool_result\",\"call_id\":\"c\"}",
                    "{\"type\":\"tool_result\",\"call_id\":\"c\",\"result\":1,\"error\":\"e\"}",
                    "{\"type\":\"tool_result\",\"call_id\":\"c\",\"error\":7}");
            for (String frame : invalid) {
                assertNoClientMessageAccepts("chat", frame);
                ws.send(frame);
                assertServerFrame("chat", "refused", ws.next());
            }
            ws.sendBinary("{\"type\":\"cancel\"}".getBytes(StandardCharsets.UTF_8));
            assertServerFrame("chat", "refused", ws.next());
            ws.send("{\"type\":\"user_message\",\"content\":\"" + "x".repeat(LIMIT) + "\"}");
            assertThat(assertServerFrame("chat", "refused", ws.next()).text("error")).startsWith("Message too large");

            // valid frames the session's state refuses
            sendClient(ws, "chat", "cancel", "{\"type\":\"cancel\"}");
            assertThat(assertServerFrame("chat", "refused", ws.next()).text("error")).startsWith("Nothing to cancel");
            sendClient(ws, "chat", "toolResult", "{\"type\":\"tool_result\",\"call_id\":\"nobody\",\"result\":null}");
            assertThat(assertServerFrame("chat", "refused", ws.next()).text("error")).startsWith("Unknown call_id");
            sendClient(ws, "chat", "userMessage", "{\"type\":\"user_message\",\"content\":\"first\"}");
            assertServerFrame("chat", "assistantToken", ws.next());
            sendClient(ws, "chat", "userMessage", "{\"type\":\"user_message\",\"content\":\"second\"}");
            // the refusal interleaves with the streaming answer: find it among the tokens
            Frame refusal = null;
            while (refusal == null) {
                Frame f = ws.next();
                if (f.json().has("type")) {
                    assertServerFrame("chat", "assistantToken", f);
                } else {
                    refusal = assertServerFrame("chat", "refused", f);
                }
            }
            assertThat(refusal.text("error")).startsWith("An answer is already streaming");
            sendClient(ws, "chat", "cancel", "{\"type\":\"cancel\"}");
            List<Frame> rest = ws.untilFinal();
            assertServerFrame("chat", "assistantCancelled", rest.get(rest.size() - 1));
        }
    }

    @Test
    void aToolCallIsAnsweredWithAResultOrAnError() throws Exception {
        try (WsClient ws = chat("tools")) {
            CompletableFuture<HttpResponse<String>> call = postTool("tools",
                    "{\"name\":\"read_document\",\"arguments\":{\"page\":2},\"call_id\":\"c-1\",\"timeout_s\":10}");
            Frame toolCall = assertServerFrame("chat", "toolCall", ws.next());
            assertThat(toolCall.text("call_id")).isEqualTo("c-1");
            sendClient(ws, "chat", "toolResult",
                    "{\"type\":\"tool_result\",\"call_id\":\"c-1\",\"result\":{\"text\":\"page two\"}}");
            assertThat(call.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);

            // no call_id and no arguments: the gateway makes both up
            CompletableFuture<HttpResponse<String>> second = postTool("tools", "{\"name\":\"confirm\"}");
            Frame made = assertServerFrame("chat", "toolCall", ws.next());
            assertThat(made.json().path("arguments").isObject()).isTrue();
            sendClient(ws, "chat", "toolResult", JSON.createObjectNode().put("type", "tool_result")
                    .put("call_id", made.text("call_id")).put("error", "the user declined").toString());
            assertThat(second.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(502);
        }
    }

    // --- judgements ----------------------------------------------------------------------------------------

    @Test
    void aJudgementStreamsAndEndsWithOneFinalPerAgent() {
        try (WsClient ws = judge(gateway, true)) {
            sendClient(ws, "judgement", "agentJudgement",
                    "{\"type\":\"agent_judgement\",\"agent_ids\":[\"agent1\",\"agent2\"],"
                    + "\"data\":{\"user_input\":\"Your input here\"}}");
            int finals = 0;
            int streams = 0;
            while (finals < 2) {
                Frame f = ws.next();
                if ("agent_judgement_final".equals(f.text("type"))) {
                    assertServerFrame("judgement", "agentJudgementFinal", f);
                    assertThat(f.json().path("result_code").asInt()).isZero();
                    finals++;
                } else {
                    assertServerFrame("judgement", "agentJudgementStream", f);
                    streams++;
                }
            }
            assertThat(streams).isPositive();
        }
    }

    @Test
    void refusedJudgementFramesGetTheRefusedFrameAndFailTheClientSchema() {
        try (WsClient ws = judge(gateway, true)) {
            List<String> invalid = List.of(
                    "not json",
                    "{\"type\":\"user_message\",\"content\":\"x\"}",
                    "{\"type\":\"agent_judgement\",\"agent_ids\":[],\"data\":{\"user_input\":\"x\"}}",
                    "{\"type\":\"agent_judgement\",\"agent_ids\":[\"a\",\"a\"],\"data\":{\"user_input\":\"x\"}}",
                    "{\"type\":\"agent_judgement\",\"agent_ids\":[\"a\",\"\"],\"data\":{\"user_input\":\"x\"}}",
                    "{\"type\":\"agent_judgement\",\"agent_ids\":[\"a\"]}",
                    "{\"type\":\"agent_judgement\",\"agent_ids\":[\"a\"],\"data\":\"x\"}",
                    "{\"type\":\"agent_judgement\",\"agent_ids\":[\"a\"],\"data\":{\"user_input\":3}}");
            for (String frame : invalid) {
                assertNoClientMessageAccepts("judgement", frame);
                ws.send(frame);
                assertServerFrame("judgement", "refused", ws.next());
            }
        }
    }

    @Test
    void anAgentThatNeverAnswersGetsTheGatewaysTimeoutFinal() throws Exception {
        try (RunningGateway silent = RunningGateway.builder()
                .property("gateway.demo-worker.enabled", "false")
                .property("gateway.judgement.timeout", "0.5")
                .start();
             WsClient ws = judge(silent, false)) {
            sendClient(ws, "judgement", "agentJudgement",
                    "{\"type\":\"agent_judgement\",\"agent_ids\":[\"mute\"],\"data\":{\"user_input\":\"anyone?\"}}");
            Frame f = assertServerFrame("judgement", "agentJudgementTimeout", ws.next());
            assertThat(f.text("error")).isEqualTo("No final judgement from mute within 0.5 s");
        }
    }

    // --- close codes and handshake refusals -----------------------------------------------------------------

    @Test
    void aTakenOverSessionIsClosedWithADocumentedCode() throws Exception {
        try (WsClient older = chat("taken"); WsClient newer = chat("taken")) {
            int code = older.closed().get(5, TimeUnit.SECONDS);
            assertThat(code).isEqualTo(4000);
            assertThat(channel("chat").path("x-close-codes").has(Integer.toString(code))).isTrue();
        }
    }

    @Test
    void aFrameFarOverTheLimitClosesWithADocumentedCode() throws Exception {
        try (WsClient ws = chat("huge")) {
            ws.send("x".repeat(LIMIT * 3));
            int code = ws.closed().get(5, TimeUnit.SECONDS);
            assertThat(code).isEqualTo(1009);
            assertThat(channel("chat").path("x-close-codes").has(Integer.toString(code))).isTrue();
            assertThat(channel("judgement").path("x-close-codes").has(Integer.toString(code))).isTrue();
        }
    }

    @Test
    void handshakeRefusalsAreTheDocumentedStatusesWithARefusedBody() throws Exception {
        for (String channel : List.of("chat", "judgement")) {
            String path = channel.equals("chat") ? "/ws/refused-handshake" : "/ws";
            RawResponse noCredentials = rawHandshake(path, null);
            assertThat(noCredentials.status()).isEqualTo(401);
            RawResponse badToken = rawHandshake(path + "?appid=app1&token=0000000000", null);
            assertThat(badToken.status()).isEqualTo(401);
            RawResponse foreignOrigin = rawHandshake(path + "?" + credentials(), "https://evil.example");
            assertThat(foreignOrigin.status()).isEqualTo(403);
            for (RawResponse r : List.of(noCredentials, badToken, foreignOrigin)) {
                assertThat(channel(channel).path("x-handshake-refusals").has(Integer.toString(r.status()))).isTrue();
                assertValid("refused", JSON.readTree(r.body()));
            }
        }
    }

    // --- when the whole class ran, every documented message was on the wire ---------------------------------

    @AfterAll
    void everyDocumentedMessageWasSeen() {
        long tests = Arrays.stream(getClass().getDeclaredMethods()).filter(m -> m.isAnnotationPresent(Test.class))
                .count();
        if (testsRun.get() == tests) {
            assertThat(seen).as("messages seen on the wire").containsExactlyInAnyOrderElementsOf(allMessages());
        }
    }

    // --- helpers --------------------------------------------------------------------------------------------

    private String credentials() {
        String appid = "app1";
        return seed.query(appid);
    }

    private WsClient chat(String sessionId) {
        return connect(gateway, "/ws/" + sessionId, true);
    }

    private WsClient judge(RunningGateway g, boolean withCredentials) {
        return connect(g, "/ws", withCredentials);
    }

    /** Connects, after checking the handshake's query against the channels' binding schema. */
    private WsClient connect(RunningGateway g, String path, boolean withCredentials) {
        ObjectNode query = JSON.createObjectNode();
        String uri = path;
        if (withCredentials) {
            String credentials = credentials();
            for (String pair : credentials.split("&")) {
                String[] kv = pair.split("=", 2);
                query.put(kv[0], kv[1]);
            }
            uri = path + "?" + credentials;
        }
        String channel = path.equals("/ws") ? "judgement" : "chat";
        List<?> errors = schemas.getSchema(SchemaLocation.of(DOCUMENT_ID + "#/channels/" + channel + "/bindings/ws/query"))
                .validate(query);
        assertThat(errors).as("handshake query %s", query).isEmpty();
        return g.connect(uri);
    }

    private CompletableFuture<HttpResponse<String>> postTool(String session, String body) {
        return HTTP.sendAsync(HttpRequest.newBuilder(gateway.url("/tool/execute/" + session))
                .timeout(Duration.ofSeconds(20))
                .header("Content-Type", "application/json")
                .header("X-Internal-Auth", INTERNAL_KEY)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Checks a frame the test is about to send against the client message it should be, then sends it. */
    private void sendClient(WsClient ws, String channel, String message, String frame) {
        assertThat(messagesOf(channel, "receive")).as("%s is a client message of %s", message, channel)
                .contains(message);
        assertValid(message, parse(frame));
        seen.add(message);
        ws.send(frame);
    }

    /** Checks a frame the gateway sent against the server message it should be. */
    private Frame assertServerFrame(String channel, String message, Frame frame) {
        assertThat(messagesOf(channel, "send")).as("%s is a server message of %s", message, channel).contains(message);
        assertValid(message, frame.json());
        seen.add(message);
        return frame;
    }

    private void assertNoClientMessageAccepts(String channel, String frame) {
        JsonNode node = parseOrNull(frame);
        if (node == null) {
            return; // not JSON at all: no schema can describe it
        }
        for (String message : messagesOf(channel, "receive")) {
            assertThat(payloadSchema(message).validate(node))
                    .as("client message %s must not accept %s", message, frame).isNotEmpty();
        }
    }

    private void assertValid(String message, JsonNode payload) {
        assertThat(payloadSchema(message).validate(payload)).as("%s against message %s", payload, message).isEmpty();
    }

    private void assertInvalid(String message, String payload) {
        assertThat(payloadSchema(message).validate(parse(payload))).as("%s against message %s", payload, message)
                .isNotEmpty();
    }

    private Schema payloadSchema(String message) {
        return schemas.getSchema(SchemaLocation.of(DOCUMENT_ID + "#/components/messages/" + message + "/payload"));
    }

    private JsonNode channel(String name) {
        return document.path("channels").path(name);
    }

    private List<String> allMessages() {
        List<String> names = new ArrayList<>();
        document.path("components").path("messages").fieldNames().forEachRemaining(names::add);
        return names;
    }

    /**
     * The component message names an operation of {@code action} ({@code send}: the gateway sends;
     * {@code receive}: the client sends) lists for the channel, following the document's $refs.
     */
    private Set<String> messagesOf(String channelName, String action) {
        Set<String> names = new TreeSet<>();
        document.path("operations").forEach(op -> {
            if (!op.path("action").asText().equals(action)
                    || !op.path("channel").path("$ref").asText().equals("#/channels/" + channelName)) {
                return;
            }
            op.path("messages").forEach(ref -> {
                String prefix = "#/channels/" + channelName + "/messages/";
                String channelRef = ref.path("$ref").asText();
                assertThat(channelRef).startsWith(prefix);
                String componentRef = channel(channelName).path("messages")
                        .path(channelRef.substring(prefix.length())).path("$ref").asText();
                assertThat(componentRef).startsWith("#/components/messages/");
                names.add(componentRef.substring("#/components/messages/".length()));
            });
        });
        return names;
    }

    private static JsonNode parse(String json) {
        JsonNode node = parseOrNull(json);
        assertThat(node).as("JSON: %s", json).isNotNull();
        return node;
    }

    private static JsonNode parseOrNull(String json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            return null;
        }
    }

    private record RawResponse(int status, String body) {
    }

    /**
     * A WebSocket upgrade request written by hand: the JDK client does not show a refused handshake's body, and
     * the body is part of what the document promises.
     */
    private RawResponse rawHandshake(String pathAndQuery, String origin) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", gateway.port())) {
            socket.setSoTimeout(5000);
            StringBuilder request = new StringBuilder()
                    .append("GET ").append(pathAndQuery).append(" HTTP/1.1\r\n")
                    .append("Host: 127.0.0.1:").append(gateway.port()).append("\r\n")
                    .append("Upgrade: websocket\r\nConnection: Upgrade\r\n")
                    .append("Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n");
            if (origin != null) {
                request.append("Origin: ").append(origin).append("\r\n");
            }
            OutputStream out = socket.getOutputStream();
            out.write(request.append("\r\n").toString().getBytes(StandardCharsets.US_ASCII));
            out.flush();

            InputStream in = socket.getInputStream();
            String head = readHead(in);
            int status = Integer.parseInt(head.split(" ", 3)[1]);
            Map<String, String> headers = new LinkedHashMap<>();
            for (String line : head.split("\r\n")) {
                int colon = line.indexOf(':');
                if (colon > 0) {
                    headers.put(line.substring(0, colon).trim().toLowerCase(), line.substring(colon + 1).trim());
                }
            }
            int length = Integer.parseInt(headers.getOrDefault("content-length", "0"));
            return new RawResponse(status, new String(in.readNBytes(length), StandardCharsets.UTF_8));
        }
    }

    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        byte[] end = {'\r', '\n', '\r', '\n'};
        while (matched < end.length) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("connection closed in the response head: " + head);
            }
            head.write(b);
            matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
        }
        return head.toString(StandardCharsets.US_ASCII);
    }
}
