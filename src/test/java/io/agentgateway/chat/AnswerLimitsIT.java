package io.agentgateway.chat;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.agentgateway.auth.TokenVerifier;
import io.agentgateway.testing.GatewayWithAgent;
import io.agentgateway.testing.RunningGateway;
import io.agentgateway.testing.StandInAgent;
import io.agentgateway.testing.WsClient;
import io.agentgateway.testing.WsClient.Frame;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * GATEWAY__MAX_ANSWERS_PER_APP (2) with seed auth: a third answer of one app is refused with an error frame while
 * another app still streams, and a slot comes back however the answer ends.
 */
class AnswerLimitsIT extends GatewayWithAgent {

    private static final String SECRET = "answers-secret";
    private static final Duration DEADLINE = Duration.ofSeconds(10);

    private final TokenVerifier tokens = new TokenVerifier(SECRET, Clock.systemUTC());
    private final List<WsClient> open = new ArrayList<>();
    private AnswerLimits limits;

    @Override
    protected RunningGateway.Builder configure(RunningGateway.Builder builder) {
        return builder.property("gateway.auth.fixed-secret", SECRET)
                .property("gateway.chat.max-answers-per-app", "2")
                // no resume grace: a client that drops its connection abandons its answer (and slot) at once
                .property("gateway.session.resume-grace", "0");
    }

    /** "hold" streams until cut off, "fail" is an HTTP 500, anything else a short answer. */
    static StandInAgent.Script byContent() {
        return (r, response, vertx) -> {
            switch (r.lastUserMessage()) {
                case "hold" -> StandInAgent.endless(Duration.ofMillis(50)).answer(r, response, vertx);
                case "fail" -> StandInAgent.status(500).answer(r, response, vertx);
                default -> StandInAgent.openAi(List.of("short ", "answer"), Duration.ZERO).answer(r, response, vertx);
            }
        };
    }

    @BeforeEach
    void setUp() {
        agent.script(byContent());
        limits = gateway.context().getRegistry().lookupByNameAndType("answerLimits", AnswerLimits.class);
    }

    @AfterEach
    void closeAll() {
        open.forEach(WsClient::close);
        open.clear();
    }

    private WsClient connect(String session, String appid) {
        String token = tokens.currentToken(appid);
        WsClient ws = gateway.connect("/ws/" + session + "?appid=" + appid + "&token=" + token);
        open.add(ws);
        return ws;
    }

    private static void awaitToken(WsClient ws) {
        Frame f = ws.next();
        assertThat(f.text("type")).as("a streamed token, got %s", f.json()).isEqualTo("assistant_message");
        assertThat(f.isFinal()).isFalse();
    }

    @Test
    void aThirdAnswerOfOneAppIsRefusedWhileAnotherAppStreamsAndAllowedOnceOneEnds() {
        WsClient a1 = connect("ans-a1", "appA");
        WsClient a2 = connect("ans-a2", "appA");
        WsClient a3 = connect("ans-a3", "appA");
        WsClient b1 = connect("ans-b1", "appB");
        a1.userMessage("hold");
        awaitToken(a1);
        a2.userMessage("hold");
        awaitToken(a2);
        b1.userMessage("hold");
        awaitToken(b1);
        assertThat(limits.active("appA")).isEqualTo(2);

        Frame refused = a3.userMessage("hold").next();
        assertThat(refused.json().has("type")).as("a refused frame, not a turn: %s", refused.json()).isFalse();
        assertThat(refused.text("error")).contains("the limit is 2").contains("GATEWAY__MAX_ANSWERS_PER_APP");
        assertThat(limits.active("appA")).as("the refusal holds no slot").isEqualTo(2);
        // app B and app A's own answers carry on; the refused socket stays usable
        awaitToken(b1);
        awaitToken(a1);
        assertThat(a3.sendJson("type", "cancel").next().text("error")).startsWith("Nothing to cancel");
        assertThat(a3.closed()).isNotDone();

        List<Frame> cancelled = a1.sendJson("type", "cancel").untilFinal();
        assertThat(cancelled.get(cancelled.size() - 1).json().path("cancelled").asBoolean()).isTrue();
        await().atMost(DEADLINE).until(() -> limits.active("appA") == 1);
        a3.userMessage("hold");
        awaitToken(a3);
        assertThat(limits.active("appA")).isEqualTo(2);
        awaitToken(b1);
    }

    @Test
    void theSlotFreesWhenTheAnswerCompletesFailsOrIsAbandoned() {
        WsClient c1 = connect("ans-c1", "appC");

        List<Frame> done = c1.userMessage("short").untilFinal();
        assertThat(WsClient.joined(done)).isEqualTo("short answer");
        await().atMost(DEADLINE).until(() -> limits.active("appC") == 0);

        List<Frame> failed = c1.userMessage("fail").untilFinal();
        assertThat(failed.get(failed.size() - 1).text("type")).isEqualTo("error");
        await().atMost(DEADLINE).until(() -> limits.active("appC") == 0);

        // a user_message refused because the session already streams gives back the slot it took
        c1.userMessage("hold");
        awaitToken(c1);
        Frame busy = c1.userMessage("hold").next();
        while (busy.json().has("type")) { // tokens of the streaming answer come in between
            busy = c1.next();
        }
        assertThat(busy.text("error")).startsWith("An answer is already streaming");
        assertThat(limits.active("appC")).isEqualTo(1);

        // the client drops its connection mid-answer: the answer is abandoned
        c1.abort();
        open.remove(c1);
        await().atMost(DEADLINE).until(() -> limits.active("appC") == 0);

        // both slots are usable again
        WsClient c2 = connect("ans-c2", "appC");
        WsClient c3 = connect("ans-c3", "appC");
        c2.userMessage("hold");
        awaitToken(c2);
        c3.userMessage("hold");
        awaitToken(c3);
        assertThat(limits.active("appC")).isEqualTo(2);
        c2.close();
        c3.close();
        await().atMost(DEADLINE).until(() -> limits.active("appC") == 0);
    }
}
