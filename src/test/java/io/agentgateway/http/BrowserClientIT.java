package io.agentgateway.http;

import java.io.File;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.agentgateway.auth.TokenVerifier;
import io.agentgateway.testing.RunningGateway;
import io.agentgateway.testing.StandInAgent;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.ServerWebSocket;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpRouter;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.TestWatcher;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.SearchContext;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebDriverException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The browser client in a real browser: Debian's headless Chromium, driven through its chromedriver, against the
 * running gateway with auth on. Controls are found by their ARIA role and accessible name, as a person using a
 * screen reader would find them.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BrowserClientIT {

    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private static final String SECRET = "browser-client-secret";
    private static final String APPID = "browser-it";
    private static final String INTERNAL_KEY = "browser-client-key";
    private static final Duration WAIT = Duration.ofSeconds(15);
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private StandInAgent agent;
    private RunningGateway gateway;
    private Path profile;
    private WebDriver browser;
    /** Why the browser did not start, when it did not. */
    private String browserMissing;

    /** WebSocket scripts mounted in front of the gateway's /ws/{session_id} for a few sessions (resume tests). */
    private final Map<String, BiConsumer<Integer, ServerWebSocket>> fakeSessions = new ConcurrentHashMap<>();
    private final List<String> fakeHandshakes = new CopyOnWriteArrayList<>();

    @RegisterExtension
    final TestWatcher screenshotOnFailure = new TestWatcher() {
        @Override
        public void testFailed(ExtensionContext context, Throwable cause) {
            if (browser instanceof TakesScreenshot shooter) {
                try {
                    Path out = Path.of("target", "browser-client-" + context.getDisplayName().replaceAll("\\W+", "") + ".png");
                    Files.write(out, shooter.getScreenshotAs(OutputType.BYTES));
                } catch (IOException | WebDriverException e) {
                    // the failure itself is what matters; a missing screenshot must not hide it
                }
            }
        }
    };

    @BeforeAll
    void start() throws Exception {
        agent = new StandInAgent();
        gateway = RunningGateway.builder()
                .agentUrl(agent.url())
                .property("gateway.auth.fixed-secret", SECRET)
                .property("gateway.internal-api-key", INTERNAL_KEY)
                .property("gateway.demo-worker.delay-ms", "20")
                .start();
        mountFakeSessions();
        startBrowser();
    }

    @AfterAll
    void stop() throws Exception {
        if (browser != null) {
            browser.quit();
        }
        if (gateway != null) {
            gateway.close();
        }
        if (agent != null) {
            agent.close();
        }
        if (profile != null) {
            try (var files = Files.walk(profile)) {
                files.sorted(java.util.Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
            }
        }
    }

    private void startBrowser() throws IOException {
        if (!Files.isExecutable(CHROMIUM) || !Files.isExecutable(CHROMEDRIVER)) {
            browserMissing = "Chromium or chromedriver missing (" + CHROMIUM + ", " + CHROMEDRIVER
                             + "): apt-get install -y chromium chromium-driver";
            return;
        }
        profile = Files.createTempDirectory("browser-client-it");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--user-data-dir=" + profile, "--window-size=1280,900");
        // An explicit driver path: Selenium Manager (which would download a driver) is never consulted.
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort()
                .build();
        try {
            browser = new ChromeDriver(service, options);
        } catch (WebDriverException e) {
            browserMissing = "Chromium did not start: " + e.getMessage();
        }
    }

    /** Fails when CI is set and the browser is missing (CI must run these); otherwise skips with the reason. */
    private WebDriver browser() {
        if (browser == null) {
            if (System.getenv("CI") != null) {
                Assertions.fail(browserMissing + " (CI is set, so this fails instead of skipping)");
            }
            Assumptions.abort(browserMissing);
        }
        return browser;
    }

    // --- serving (no browser needed) ---------------------------------------------------------------------------

    @Test
    void thePageAndItsFilesAreServedWithTheirContentTypes() throws Exception {
        HttpResponse<String> page = get("/", Map.of("X-Probe", "not echoed"));
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Type")).hasValue(BrowserClientRoutes.HTML);
        assertThat(page.headers().firstValue("Content-Security-Policy")).hasValue(BrowserClientRoutes.CONTENT_SECURITY_POLICY);
        assertThat(page.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
        assertThat(page.headers().map().keySet()).map(String::toLowerCase).doesNotContain("x-probe");
        assertThat(page.body()).contains("<script src=\"app.js\" defer></script>", "href=\"app.css\"");

        HttpResponse<String> script = get("/app.js", Map.of());
        assertThat(script.statusCode()).isEqualTo(200);
        assertThat(script.headers().firstValue("Content-Type")).hasValue(BrowserClientRoutes.JAVASCRIPT);
        assertThat(script.body()).contains("new WebSocket(");

        HttpResponse<String> style = get("/app.css", Map.of());
        assertThat(style.statusCode()).isEqualTo(200);
        assertThat(style.headers().firstValue("Content-Type")).hasValue(BrowserClientRoutes.CSS);
    }

    @Test
    void theRootRouteSwallowsNoOtherPath() throws Exception {
        HttpResponse<String> health = get("/health", Map.of());
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(MAPPER.readTree(health.body()).path("status").asText()).isIn("ok", "degraded");

        HttpResponse<String> openApi = get("/openapi.json", Map.of());
        assertThat(openApi.statusCode()).isEqualTo(200);
        JsonNode paths = MAPPER.readTree(openApi.body()).path("paths");
        assertThat(paths.has("/health")).isTrue();
        assertThat(paths.has("/")).as("the page is not part of the REST API").isFalse();

        // the handshake guard still answers the WebSocket paths: no credentials, 401 (not the page)
        assertThat(get("/ws/some-session", Map.of()).statusCode()).isEqualTo(401);
        assertThat(get("/ws", Map.of()).statusCode()).isEqualTo(401);
        HttpResponse<String> tool = HTTP.send(HttpRequest.newBuilder(gateway.url("/tool/execute/some-session"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"t\"}")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(tool.statusCode()).isEqualTo(401);
        assertThat(tool.body()).contains("X-Internal-Auth");

        assertThat(get("/no-such-page", Map.of()).statusCode()).isEqualTo(404);
        assertThat(get("/index.html/x", Map.of()).statusCode()).isEqualTo(404);
        HttpResponse<String> post = HTTP.send(HttpRequest.newBuilder(gateway.url("/"))
                .POST(HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(post.statusCode()).isEqualTo(405);
    }

    // --- in the browser ----------------------------------------------------------------------------------------

    @Test
    void aChatAnswerStreamsIntoThePageTokenByToken() {
        CompletableFuture<Void> rest = new CompletableFuture<>();
        // the agent sends its first token, then waits for the test: the page must show it before the rest exists
        agent.script((request, response, vertx) -> {
            Context context = vertx.getOrCreateContext();
            response.setChunked(true).putHeader("Content-Type", "text/event-stream");
            response.write(openAiChunk("Hello"));
            rest.thenRun(() -> context.runOnContext(v -> {
                response.write(openAiChunk(" from"));
                response.write(openAiChunk(" the agent"));
                response.end("data: [DONE]\n\n");
            }));
        });
        openAndConnect("browser-chat");

        type(control("textbox", "Message"), "Say hello");
        control("button", "Send").click();

        WebElement turn = awaitAssistantTurn(1);
        await().atMost(WAIT).until(() -> textOf(turn.findElement(By.className("text"))).equals("Hello"));
        assertThat(turn.getDomAttribute("data-state")).isEqualTo("streaming");
        assertThat(control("button", "Stop").isEnabled()).as("Stop is offered while the answer streams").isTrue();
        assertThat(control("button", "Send").isEnabled()).as("one answer at a time").isFalse();

        rest.complete(null);
        await().atMost(WAIT).until(() -> "done".equals(turn.getDomAttribute("data-state")));
        assertThat(textOf(turn.findElement(By.className("text")))).isEqualTo("Hello from the agent");
        assertThat(textOf(conversation().findElement(By.cssSelector("li.turn.user .text")))).isEqualTo("Say hello");
        assertThat(agent.requests().get(agent.requests().size() - 1).lastUserMessage()).isEqualTo("Say hello");
        assertThat(control("button", "Send").isEnabled()).isTrue();
        assertThat(control("button", "Stop").isEnabled()).isFalse();
    }

    @Test
    void stopCancelsTheAnswer() throws Exception {
        agent.script(StandInAgent.endless(Duration.ofMillis(40)));
        openAndConnect("browser-stop");

        type(control("textbox", "Message"), "Talk forever");
        control("button", "Send").click();
        WebElement turn = awaitAssistantTurn(1);
        await().atMost(WAIT).until(() -> textOf(turn.findElement(By.className("text"))).startsWith("t0 t1 "));

        control("button", "Stop").click();
        await().atMost(WAIT).until(() -> "cancelled".equals(turn.getDomAttribute("data-state")));
        assertThat(textOf(turn.findElement(By.className("meta")))).isEqualTo("cancelled");
        assertThat(agent.awaitHangUp(Duration.ofSeconds(5))).as("the agent's stream was aborted").isNotNull();
        String shown = textOf(turn.findElement(By.className("text")));
        assertThat(shown).matches("(t\\d+ )+");
        assertThat(control("button", "Send").isEnabled()).isTrue();
        assertThat(control("button", "Stop").isEnabled()).isFalse();
    }

    @Test
    void aToolCallIsAnsweredInThePage() throws Exception {
        openAndConnect("browser-tools");

        // a JSON result
        CompletableFuture<HttpResponse<String>> first = executeTool("browser-tools",
                "{\"name\":\"read_document\",\"arguments\":{\"page\":2},\"call_id\":\"call-1\"}");
        WebElement card = awaitControl(browser(), "article", "Tool call read_document");
        assertThat(textOf(card.findElement(By.className("call-id")))).isEqualTo("call_id call-1");
        assertThat(MAPPER.readTree(textOf(card.findElement(By.className("arguments")))))
                .isEqualTo(MAPPER.readTree("{\"page\":2}"));
        type(control(card, "textbox", "Result"), "{\"text\": \"page two\", \"n\": [1, 2]}");
        control(card, "button", "Send result").click();
        HttpResponse<String> answered = first.get();
        assertThat(answered.statusCode()).as(answered.body()).isEqualTo(200);
        assertThat(MAPPER.readTree(answered.body()))
                .isEqualTo(MAPPER.readTree("{\"call_id\":\"call-1\",\"result\":{\"text\":\"page two\",\"n\":[1,2]}}"));
        assertThat(textOf(card.findElement(By.className("tool-status")))).isEqualTo("Result sent.");
        assertThat(control(card, "button", "Send result").isEnabled()).isFalse();

        // text that is not JSON is sent as a string
        CompletableFuture<HttpResponse<String>> second = executeTool("browser-tools",
                "{\"name\":\"confirm\",\"arguments\":{\"question\":\"Delete it?\"},\"call_id\":\"call-2\"}");
        WebElement confirm = awaitControl(browser(), "article", "Tool call confirm");
        type(control(confirm, "textbox", "Result"), "yes, go ahead");
        control(confirm, "button", "Send result").click();
        assertThat(MAPPER.readTree(second.get().body()))
                .isEqualTo(MAPPER.readTree("{\"call_id\":\"call-2\",\"result\":\"yes, go ahead\"}"));

        // an error
        CompletableFuture<HttpResponse<String>> third = executeTool("browser-tools",
                "{\"name\":\"camera\",\"call_id\":\"call-3\"}");
        WebElement camera = awaitControl(browser(), "article", "Tool call camera");
        type(control(camera, "textbox", "Result"), "user denied camera access");
        control(camera, "button", "Send error").click();
        HttpResponse<String> refused = third.get();
        assertThat(refused.statusCode()).isEqualTo(502);
        assertThat(MAPPER.readTree(refused.body()))
                .isEqualTo(MAPPER.readTree("{\"call_id\":\"call-3\",\"error\":\"user denied camera access\"}"));
    }

    @Test
    void eachAgentsJudgementShows() {
        openAndConnect("browser-judge");
        WebElement agentIds = control("textbox", "Agent ids");
        agentIds.clear();
        type(agentIds, "agent1, agent2");
        type(control("textbox", "Question"), "Is the sky blue?");
        control("button", "Ask agents").click();

        for (String agentId : List.of("agent1", "agent2")) {
            WebElement card = awaitControl(browser(), "article", "Agent " + agentId);
            await().atMost(WAIT).until(() -> "done".equals(card.getDomAttribute("data-state")));
            assertThat(textOf(card.findElement(By.className("final"))))
                    .isEqualTo(agentId + " finds \"Is the sky blue?\" reasonable");
            assertThat(card.findElements(By.cssSelector(".thinking li"))).extracting(BrowserClientIT::textOf)
                    .containsExactly(agentId + " is reading: Is the sky blue?", agentId + " counts 4 words");
        }
        await().atMost(WAIT).until(() -> control("button", "Ask agents").isEnabled());
        assertThat(judgementState().getDomAttribute("data-state")).isEqualTo("connected");
    }

    @Test
    void aDroppedConnectionIsResumedFromTheLastSeqWithoutDuplicates() {
        CompletableFuture<Void> letItReconnect = new CompletableFuture<>();
        fakeSessions.put("browser-resume", (n, ws) -> {
            if (n == 1) {
                ws.textMessageHandler(message -> {
                    ws.writeTextMessage(assistant("Hel", false, 0));
                    ws.writeTextMessage(assistant("lo ", false, 1));
                    ws.close((short) 1012, "restarting");
                });
            } else {
                ws.writeTextMessage("{\"type\":\"resumed\",\"last_seq\":1,\"recovered\":true}");
                ws.writeTextMessage(assistant("lo ", false, 1)); // already shown: dropped by seq
                ws.writeTextMessage(assistant("world", false, 2));
                ws.writeTextMessage(assistant("", true, 3));
            }
        });
        fakeHandshakeGate.put("browser-resume", letItReconnect);
        openAndConnect("browser-resume");
        type(control("textbox", "Message"), "Hi");
        control("button", "Send").click();

        WebElement turn = awaitAssistantTurn(1);
        // the gateway's side holds the second handshake, so the page stays in its reconnecting state
        await().atMost(WAIT).until(() -> textOf(chatState()).equals("Reconnecting (attempt 1)…"));
        assertThat(chatState().getDomAttribute("data-state")).isEqualTo("reconnecting");
        assertThat(textOf(turn.findElement(By.className("text")))).isEqualTo("Hello ");
        assertThat(textOf(turn.findElement(By.className("meta")))).isEqualTo("connection lost…");
        assertThat(control("button", "Send").isEnabled()).as("nothing can be sent while disconnected").isFalse();

        letItReconnect.complete(null);
        await().atMost(WAIT).until(() -> "done".equals(turn.getDomAttribute("data-state")));
        assertThat(textOf(turn.findElement(By.className("text")))).isEqualTo("Hello world");
        assertThat(chatState().getDomAttribute("data-state")).isEqualTo("connected");
        assertThat(fakeHandshakes).filteredOn(uri -> uri.startsWith("/ws/browser-resume")).hasSize(2);
        String reconnect = fakeHandshakes.stream().filter(uri -> uri.startsWith("/ws/browser-resume")).toList().get(1);
        assertThat(reconnect).contains("last_seq=1", "appid=" + APPID, "token=");
    }

    @Test
    void aGatewayThatDoesNotResumeEndsTheDroppedAnswerAndNumbersAfresh() {
        fakeSessions.put("browser-no-resume", (n, ws) -> ws.textMessageHandler(message -> {
            if (n == 1) {
                ws.writeTextMessage(assistant("cut ", false, 0));
                ws.writeTextMessage(assistant("off ", false, 1));
                ws.close((short) 1011, "gone");
            } else {
                // today's gateway: no "resumed" frame, and seq starts at 0 on the new socket
                ws.writeTextMessage(assistant("fresh ", false, 0));
                ws.writeTextMessage(assistant("answer", false, 1));
                ws.writeTextMessage(assistant("", true, 2));
            }
        }));
        openAndConnect("browser-no-resume");
        type(control("textbox", "Message"), "First");
        control("button", "Send").click();
        WebElement cut = awaitAssistantTurn(1);
        await().atMost(WAIT).until(() -> "interrupted".equals(cut.getDomAttribute("data-state")));
        assertThat(textOf(cut.findElement(By.className("text")))).isEqualTo("cut off ");
        await().atMost(WAIT).until(() -> control("button", "Send").isEnabled());

        type(control("textbox", "Message"), "Second");
        control("button", "Send").click();
        WebElement fresh = awaitAssistantTurn(2);
        await().atMost(WAIT).until(() -> "done".equals(fresh.getDomAttribute("data-state")));
        assertThat(textOf(fresh.findElement(By.className("text")))).isEqualTo("fresh answer");
    }

    @Test
    void withAuthOffThePageWorksWithoutCredentialsAgainstTheDemoAgent() throws Exception {
        try (RunningGateway open = RunningGateway.builder().start()) {
            WebDriver b = browser();
            b.get(open.url("/").toString());
            // it connects on load, to a fresh session, with no appid or token
            await().atMost(WAIT).until(() -> "connected".equals(chatState().getDomAttribute("data-state")));
            type(control("textbox", "Message"), "hello from the browser");
            control("button", "Send").click();
            WebElement turn = awaitAssistantTurn(1);
            await().atMost(WAIT).until(() -> "done".equals(turn.getDomAttribute("data-state")));
            assertThat(textOf(turn.findElement(By.className("text")))).isEqualTo("hello from the browser");
        }
    }

    // --- the page, by role and name ----------------------------------------------------------------------------

    /** Loads the page, sees it refused without credentials, then connects to {@code session} with a token. */
    private void openAndConnect(String session) {
        WebDriver b = browser();
        b.get(gateway.url("/").toString());
        // on load it connects with the fields as they are: auth is on and they are empty, so it is refused
        await().atMost(WAIT).until(() -> "failed".equals(chatState().getDomAttribute("data-state")));
        assertThat(textOf(chatState())).contains("appid", "token");

        WebElement sessionId = control("textbox", "Session id");
        sessionId.clear();
        type(sessionId, session);
        type(control("textbox", "appid"), APPID);
        String token = new TokenVerifier(SECRET, Clock.systemUTC()).tokenFor(APPID, System.currentTimeMillis() / 60_000);
        type(control("textbox", "token"), token);
        control("button", "Connect").click();
        await().atMost(WAIT).until(() -> "connected".equals(chatState().getDomAttribute("data-state")));
        assertThat(textOf(chatState())).isEqualTo("Connected to session " + session);
    }

    private WebElement chatState() {
        return control("status", "Chat connection");
    }

    private WebElement judgementState() {
        return control("status", "Judgement connection");
    }

    private WebElement conversation() {
        return control("log", "Conversation");
    }

    private WebElement awaitAssistantTurn(int n) {
        return await().atMost(WAIT).ignoreExceptions().until(() -> {
            List<WebElement> turns = conversation().findElements(By.cssSelector("li.turn.assistant"));
            return turns.size() >= n ? turns.get(n - 1) : null;
        }, t -> t != null);
    }

    private WebElement control(String role, String name) {
        return control(browser(), role, name);
    }

    /** The one element in {@code scope} with this ARIA role and accessible name, as assistive technology sees it. */
    private static WebElement control(SearchContext scope, String role, String name) {
        // CSS only narrows the candidates (each role and name is one round trip to the browser); the browser's
        // accessibility tree decides
        String candidates = switch (role) {
            case "button" -> "button";
            case "textbox" -> "input, textarea";
            case "article" -> "article";
            default -> "[role]";
        };
        List<WebElement> found = scope.findElements(By.cssSelector(candidates))
                .stream()
                .filter(e -> role.equals(e.getAriaRole()) && name.equals(e.getAccessibleName()))
                .toList();
        assertThat(found).as("exactly one %s named \"%s\"", role, name).hasSize(1);
        return found.get(0);
    }

    private WebElement awaitControl(SearchContext scope, String role, String name) {
        return await().atMost(WAIT).ignoreExceptionsMatching(e -> e instanceof AssertionError || e instanceof WebDriverException)
                .until(() -> control(scope, role, name), e -> e != null);
    }

    private static void type(WebElement field, String text) {
        field.sendKeys(text);
    }

    /** The text exactly as the page holds it (getText() would trim and collapse it). */
    private static String textOf(WebElement e) {
        return e.getDomProperty("textContent");
    }

    // --- the other side ----------------------------------------------------------------------------------------

    private HttpResponse<String> get(String path, Map<String, String> headers) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(gateway.url(path)).timeout(Duration.ofSeconds(10)).GET();
        headers.forEach(b::header);
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private CompletableFuture<HttpResponse<String>> executeTool(String session, String body) {
        return HTTP.sendAsync(HttpRequest.newBuilder(gateway.url("/tool/execute/" + session))
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .header("X-Internal-Auth", INTERNAL_KEY)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String openAiChunk(String token) {
        try {
            return "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":" + MAPPER.writeValueAsString(token) + "}}]}\n\n";
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static String assistant(String token, boolean isFinal, int seq) {
        return MAPPER.createObjectNode().put("type", "assistant_message").put("token", token).put("is_final", isFinal)
                .put("seq", seq).toString();
    }

    /** Handshakes of these sessions wait for their future before the upgrade (to watch the page reconnecting). */
    private final Map<String, CompletableFuture<Void>> fakeHandshakeGate = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> fakeConnections = new ConcurrentHashMap<>();

    /**
     * A stand-in for the resume protocol the gateway does not speak yet: for the sessions in {@link #fakeSessions},
     * a handler ahead of the gateway's own (and of its handshake guard) upgrades the socket itself and plays the
     * session's script, told which connection of the session this is (1, 2, ...).
     */
    private void mountFakeSessions() {
        VertxPlatformHttpRouter router = VertxPlatformHttpRouter.lookup(gateway.context(),
                VertxPlatformHttpRouter.PLATFORM_HTTP_ROUTER_NAME_ZERO);
        router.route("/ws/:session").order(-2000).handler(ctx -> {
            String session = ctx.pathParam("session");
            BiConsumer<Integer, ServerWebSocket> script = fakeSessions.get(session);
            if (script == null) {
                ctx.next();
                return;
            }
            HttpServerRequest request = ctx.request();
            fakeHandshakes.add(request.uri());
            int n = fakeConnections.computeIfAbsent(session, s -> new AtomicInteger()).incrementAndGet();
            CompletableFuture<Void> gate = n == 1 ? CompletableFuture.completedFuture(null)
                    : fakeHandshakeGate.getOrDefault(session, CompletableFuture.completedFuture(null));
            Context context = Vertx.currentContext();
            request.pause();
            gate.thenRun(() -> context.runOnContext(v -> request.toWebSocket().onSuccess(ws -> script.accept(n, ws))));
        });
    }
}
