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
import java.util.stream.IntStream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.agentgateway.auth.TokenVerifier;
import io.agentgateway.common.ClientSocket;
import io.agentgateway.session.SessionRegistry;
import io.agentgateway.session.SessionStreams;
import io.agentgateway.testing.RunningGateway;
import io.agentgateway.testing.StandInAgent;
import io.agentgateway.testing.WsClient;
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
import org.openqa.selenium.JavascriptExecutor;
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

    /**
     * Old-gateway stand-ins: WebSocket scripts mounted in front of the gateway's /ws/{session_id} for a few sessions,
     * for the page's fallback when a gateway ignores last_seq.
     */
    private final Map<String, BiConsumer<Integer, ServerWebSocket>> fakeSessions = new ConcurrentHashMap<>();
    /** Every chat handshake's URI (path and query), in order, whichever gateway of the test it reached. */
    private final List<String> handshakes = new CopyOnWriteArrayList<>();
    /** Handshakes after the first of these sessions wait for their future (to watch the page reconnecting). */
    private final Map<String, CompletableFuture<Void>> handshakeGates = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> connections = new ConcurrentHashMap<>();

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
        gateway = gatewayWithAuth();
        mountHandshakeHook(gateway);
        startBrowser();
    }

    private RunningGateway gatewayWithAuth(String... properties) throws Exception {
        RunningGateway.Builder b = RunningGateway.builder()
                .agentUrl(agent.url())
                .property("gateway.auth.fixed-secret", SECRET)
                .property("gateway.internal-api-key", INTERNAL_KEY)
                .property("gateway.demo-worker.delay-ms", "20");
        for (int i = 0; i < properties.length; i += 2) {
            b.property(properties[i], properties[i + 1]);
        }
        return b.start();
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
    void aConnectionDroppedMidAnswerIsResumedFromTheLastSeqAndTheAnswerIsWhole() throws Exception {
        List<String> tokens = IntStream.range(0, 60).mapToObj(i -> "w" + i + " ").toList();
        String answer = String.join("", tokens);
        agent.script(StandInAgent.openAi(tokens, Duration.ofMillis(50)));
        int requestsBefore = agent.requests().size();
        int hangUpsBefore = agent.hangUpCount();
        // the reconnect's handshake waits here, so the page stays in its reconnecting state while the agent goes on
        CompletableFuture<Void> letItReconnect = new CompletableFuture<>();
        handshakeGates.put("browser-resume", letItReconnect);
        openAndConnect("browser-resume");
        type(control("textbox", "Message"), "Tell me a long story");
        control("button", "Send").click();
        WebElement turn = awaitAssistantTurn(1);
        await().atMost(WAIT).until(() -> textOf(turn.findElement(By.className("text"))).startsWith("w0 w1 w2 w3 w4 "));

        cutSocket(gateway, "browser-resume", (short) 1011, "cut by the test");
        await().atMost(WAIT).until(() -> textOf(chatState()).equals("Reconnecting (attempt 1)…"));
        assertThat(chatState().getDomAttribute("data-state")).isEqualTo("reconnecting");
        assertThat(textOf(turn.findElement(By.className("meta")))).isEqualTo("connection lost…");
        assertThat(control("button", "Send").isEnabled()).as("nothing can be sent while disconnected").isFalse();
        String shownWhenCut = textOf(turn.findElement(By.className("text")));
        assertThat(answer).startsWith(shownWhenCut);
        assertThat(shownWhenCut).as("cut while streaming").isNotEqualTo(answer);
        int framesShown = shownWhenCut.split(" ").length; // one frame per token, seq from 0 in this new session

        letItReconnect.complete(null);
        await().atMost(WAIT).until(() -> "done".equals(turn.getDomAttribute("data-state")));
        assertThat(textOf(turn.findElement(By.className("text")))).as("no gap, no duplicate").isEqualTo(answer);
        assertThat(textOf(turn.findElement(By.className("meta")))).isEqualTo("done · resumed after the connection dropped");
        assertThat(conversation().findElements(By.cssSelector("li.turn.assistant"))).hasSize(1);
        assertThat(chatState().getDomAttribute("data-state")).isEqualTo("connected");
        assertThat(textOf(chatState())).isEqualTo("Connected to session browser-resume (resumed)");
        assertThat(handshakesOf("browser-resume")).hasSize(2);
        assertThat(handshakesOf("browser-resume").get(1))
                .contains("last_seq=" + (framesShown - 1), "appid=" + APPID, "token=");
        assertThat(agent.requests()).as("the agent was asked once").hasSize(requestsBefore + 1);
        assertThat(agent.hangUpCount()).as("the agent was never cut off").isEqualTo(hangUpsBefore);
        screenshot("browser-client-resumed.png");

        // seq goes on across connections: the next answer is shown, not dropped as already seen
        agent.script(StandInAgent.echo(Duration.ZERO));
        type(control("textbox", "Message"), "and one more");
        control("button", "Send").click();
        WebElement next = awaitAssistantTurn(2);
        await().atMost(WAIT).until(() -> "done".equals(next.getDomAttribute("data-state")));
        assertThat(textOf(next.findElement(By.className("text")))).isEqualTo("and one more");
        assertThat(textOf(next.findElement(By.className("meta")))).isEqualTo("done");
    }

    @Test
    void aSlowClientClosedWith4008ReconnectsAndResumes() {
        List<String> tokens = IntStream.range(0, 40).mapToObj(i -> "s" + i + " ").toList();
        agent.script(StandInAgent.openAi(tokens, Duration.ofMillis(40)));
        int hangUpsBefore = agent.hangUpCount();
        openAndConnect("browser-slow");
        recordChatStates();
        type(control("textbox", "Message"), "Stream to a slow reader");
        control("button", "Send").click();
        WebElement turn = awaitAssistantTurn(1);
        await().atMost(WAIT).until(() -> textOf(turn.findElement(By.className("text"))).startsWith("s0 s1 s2 "));

        // what the gateway's slow-client sweep does (InMemorySessionStreams.SLOW_CLIENT)
        cutSocket(gateway, "browser-slow", (short) 4008, "too slow: reconnect with last_seq to resume");
        await().atMost(WAIT).until(() -> "done".equals(turn.getDomAttribute("data-state")));
        assertThat(textOf(turn.findElement(By.className("text")))).isEqualTo(String.join("", tokens));
        assertThat(chatStatesSeen()).contains(
                "reconnecting: Connection lost (4008 too slow: reconnect with last_seq to resume). "
                + "Reconnecting in 0.5 s (attempt 1)…",
                "connected: Connected to session browser-slow (resumed)");
        assertThat(handshakesOf("browser-slow")).hasSize(2);
        assertThat(handshakesOf("browser-slow").get(1)).containsPattern("[?&]last_seq=\\d+");
        assertThat(agent.hangUpCount()).as("the agent was never cut off").isEqualTo(hangUpsBefore);
    }

    @Test
    void aDropBeforeTheFirstFrameOfANewSessionResumesFromTheStart() throws Exception {
        CompletableFuture<Void> answerNow = new CompletableFuture<>();
        int requestsBefore = agent.requests().size();
        // the agent takes its time before the first token: the connection drops before the page has any seq
        agent.script((request, response, vertx) -> {
            Context context = vertx.getOrCreateContext();
            response.setChunked(true).putHeader("Content-Type", "text/event-stream");
            answerNow.thenRun(() -> context.runOnContext(v -> {
                response.write(openAiChunk("Late "));
                response.write(openAiChunk("but "));
                response.write(openAiChunk("whole"));
                response.end("data: [DONE]\n\n");
            }));
        });
        // credentials in the link: the page connects on load, to a session id it made up itself
        browser().get(gateway.url("/?appid=" + APPID + "&token=" + currentToken()).toString());
        await().atMost(WAIT).until(() -> "connected".equals(chatState().getDomAttribute("data-state")));
        String session = control("textbox", "Session id").getDomProperty("value");
        assertThat(session).startsWith("web-");
        CompletableFuture<Void> letItReconnect = new CompletableFuture<>();
        handshakeGates.put(session, letItReconnect);
        type(control("textbox", "Message"), "Take your time");
        control("button", "Send").click();
        WebElement turn = awaitAssistantTurn(1);
        await().atMost(WAIT).until(() -> agent.requests().size() == requestsBefore + 1);

        cutSocket(gateway, session, (short) 1011, "cut by the test");
        await().atMost(WAIT).until(() -> "reconnecting".equals(chatState().getDomAttribute("data-state"))
                                         && handshakesOf(session).size() == 2);
        answerNow.complete(null); // the whole answer is made while the page is away
        letItReconnect.complete(null);
        await().atMost(WAIT).until(() -> "done".equals(turn.getDomAttribute("data-state")));
        assertThat(textOf(turn.findElement(By.className("text")))).isEqualTo("Late but whole");
        assertThat(textOf(turn.findElement(By.className("meta")))).isEqualTo("done · resumed after the connection dropped");
        assertThat(handshakesOf(session).get(1)).contains("last_seq=-1");
    }

    @Test
    void aResumeTheGatewayCannotRecoverEndsTheCutAnswerAndLiveFramesGoOn() throws Exception {
        agent.script(StandInAgent.endless(Duration.ofMillis(40)));
        // a short grace and time to live, so the session is gone before the page comes back
        try (RunningGateway brief = gatewayWithAuth("gateway.session.resume-grace", "0.2", "gateway.session.ttl", "1")) {
            mountHandshakeHook(brief);
            CompletableFuture<Void> letItReconnect = new CompletableFuture<>();
            handshakeGates.put("browser-expired", letItReconnect);
            openAndConnect(brief, "browser-expired");
            type(control("textbox", "Message"), "Talk until I am gone");
            control("button", "Send").click();
            WebElement cut = awaitAssistantTurn(1);
            await().atMost(WAIT).until(() -> textOf(cut.findElement(By.className("text"))).startsWith("t0 t1 "));

            cutSocket(brief, "browser-expired", (short) 1011, "cut by the test");
            assertThat(agent.awaitHangUp(Duration.ofSeconds(5))).as("the answer was abandoned after the grace").isNotNull();
            SessionStreams streams = brief.context().getRegistry().lookupByNameAndType("sessionStreams", SessionStreams.class);
            await().atMost(WAIT).until(() -> streams.size() == 0);
            assertThat(chatState().getDomAttribute("data-state")).isEqualTo("reconnecting");

            letItReconnect.complete(null);
            await().atMost(WAIT).until(() -> "interrupted".equals(cut.getDomAttribute("data-state")));
            assertThat(textOf(cut.findElement(By.className("meta"))))
                    .startsWith("interrupted: the gateway could not resume the answer (");
            assertThat(handshakesOf("browser-expired").get(1)).containsPattern("[?&]last_seq=\\d+");
            await().atMost(WAIT).until(() -> control("button", "Send").isEnabled());

            // the session starts over and so do its seq numbers: the page must show them, not drop them as seen
            agent.script(StandInAgent.echo(Duration.ZERO));
            type(control("textbox", "Message"), "still here");
            control("button", "Send").click();
            WebElement fresh = awaitAssistantTurn(2);
            await().atMost(WAIT).until(() -> "done".equals(fresh.getDomAttribute("data-state")));
            assertThat(textOf(fresh.findElement(By.className("text")))).isEqualTo("still here");
        }
    }

    @Test
    void aSessionTakenOverByAnotherConnectionIsNotReconnected() {
        openAndConnect("browser-takeover");
        try (WsClient other = gateway.connect("/ws/browser-takeover?appid=" + APPID + "&token=" + currentToken())) {
            await().atMost(WAIT).until(() -> "closed".equals(chatState().getDomAttribute("data-state")));
            assertThat(textOf(chatState())).isEqualTo("Closed: another connection took this session over");
            // a reconnect would come after 0.5 s and take the session back: none comes
            await().during(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(3))
                    .until(() -> handshakesOf("browser-takeover").size() == 2);
            assertThat(control("button", "Send").isEnabled()).isFalse();
        }
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
        openAndConnect(gateway, session);
    }

    private void openAndConnect(RunningGateway target, String session) {
        WebDriver b = browser();
        b.get(target.url("/").toString());
        // on load it connects with the fields as they are: auth is on and they are empty, so it is refused
        await().atMost(WAIT).until(() -> "failed".equals(chatState().getDomAttribute("data-state")));
        assertThat(textOf(chatState())).contains("appid", "token");

        WebElement sessionId = control("textbox", "Session id");
        sessionId.clear();
        type(sessionId, session);
        type(control("textbox", "appid"), APPID);
        type(control("textbox", "token"), currentToken());
        control("button", "Connect").click();
        await().atMost(WAIT).until(() -> "connected".equals(chatState().getDomAttribute("data-state")));
        assertThat(textOf(chatState())).isEqualTo("Connected to session " + session);
    }

    /** From now on, the page records each state the chat connection shows ("state: text"), however brief. */
    private void recordChatStates() {
        ((JavascriptExecutor) browser()).executeScript("""
                const state = arguments[0];
                window.chatStatesSeen = [];
                new MutationObserver(() => window.chatStatesSeen.push(state.dataset.state + ': ' + state.textContent))
                    .observe(state, { attributes: true, childList: true, characterData: true, subtree: true });
                """, chatState());
    }

    @SuppressWarnings("unchecked")
    private List<String> chatStatesSeen() {
        return (List<String>) ((JavascriptExecutor) browser()).executeScript("return window.chatStatesSeen;");
    }

    private void screenshot(String name) throws IOException {
        if (browser instanceof TakesScreenshot shooter) {
            Files.write(Path.of("target", name), shooter.getScreenshotAs(OutputType.BYTES));
        }
    }

    private static String currentToken() {
        return new TokenVerifier(SECRET, Clock.systemUTC()).currentToken(APPID);
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

    /** Closes the socket that holds {@code session} in the running gateway, from the server's side. */
    private static void cutSocket(RunningGateway target, String session, short code, String reason) {
        SessionRegistry registry = target.context().getRegistry().lookupByNameAndType("sessionRegistry", SessionRegistry.class);
        ClientSocket socket = registry.find(session).orElseThrow(() -> new AssertionError("no socket holds " + session));
        socket.close(code, reason);
    }

    private List<String> handshakesOf(String session) {
        return handshakes.stream().filter(uri -> uri.startsWith("/ws/" + session + "?") || uri.equals("/ws/" + session))
                .toList();
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

    /**
     * A handler ahead of the gateway's own on /ws/{session} (and of its handshake guard): records each handshake,
     * holds the second and later handshakes of a session in {@link #handshakeGates} until its future completes, and
     * for the sessions in {@link #fakeSessions} upgrades the socket itself and plays the session's script, told which
     * connection of the session this is (1, 2, ...). Any other handshake goes on to the gateway untouched.
     */
    private void mountHandshakeHook(RunningGateway target) {
        VertxPlatformHttpRouter router = VertxPlatformHttpRouter.lookup(target.context(),
                VertxPlatformHttpRouter.PLATFORM_HTTP_ROUTER_NAME_ZERO);
        router.route("/ws/:session").order(-2000).handler(ctx -> {
            String session = ctx.pathParam("session");
            HttpServerRequest request = ctx.request();
            handshakes.add(request.uri());
            int n = connections.computeIfAbsent(session, s -> new AtomicInteger()).incrementAndGet();
            CompletableFuture<Void> gate = n == 1 ? null : handshakeGates.get(session);
            BiConsumer<Integer, ServerWebSocket> script = fakeSessions.get(session);
            if (gate == null && script == null) {
                ctx.next();
                return;
            }
            Context context = Vertx.currentContext();
            request.pause();
            (gate == null ? CompletableFuture.<Void>completedFuture(null) : gate).thenRun(() -> context.runOnContext(v -> {
                if (script != null) {
                    request.toWebSocket().onSuccess(ws -> script.accept(n, ws));
                } else {
                    // as the gateway's own guard does: resume, then hand on (the upgrade pauses it again itself)
                    request.resume();
                    ctx.next();
                }
            }));
        });
    }
}
