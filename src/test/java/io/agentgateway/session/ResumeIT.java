package io.agentgateway.session;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

import io.agentgateway.testing.RunningGateway;
import io.agentgateway.testing.StandInAgent;
import io.agentgateway.testing.WsClient;
import io.agentgateway.testing.WsClient.Frame;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** A session outlives its socket: resume by last_seq, the grace window, and what cannot be recovered. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ResumeIT {

    private static final List<String> TOKENS = IntStream.range(0, 30).mapToObj(i -> "w" + i + " ").toList();
    private static final String ANSWER = String.join("", TOKENS);

    private StandInAgent agent;

    @BeforeAll
    void startAgent() throws Exception {
        agent = new StandInAgent();
    }

    @AfterAll
    void stopAgent() throws Exception {
        agent.close();
    }

    private RunningGateway gateway(String... properties) throws Exception {
        RunningGateway.Builder b = RunningGateway.builder().agentUrl(agent.url());
        for (int i = 0; i < properties.length; i += 2) {
            b.property(properties[i], properties[i + 1]);
        }
        return b.start();
    }

    private static long seq(Frame f) {
        return f.json().path("seq").asLong();
    }

    @Test
    void aClientThatDropsMidAnswerResumesWithEveryFrameOnceAndTheExactAnswer() throws Exception {
        agent.script(StandInAgent.openAi(TOKENS, Duration.ofMillis(40)));
        try (RunningGateway gateway = gateway()) {
            List<Frame> first = new ArrayList<>();
            WsClient ws = gateway.connect("/ws/phone");
            ws.userMessage("talk to me");
            for (int i = 0; i < 5; i++) {
                first.add(ws.next());
            }
            ws.abort(); // the network went away: no close frame
            try (WsClient again = gateway.connect("/ws/phone?last_seq=" + seq(first.get(4)))) {
                Frame resumed = again.next();
                assertThat(resumed.text("type")).isEqualTo("resumed");
                assertThat(resumed.json().path("recovered").asBoolean()).isTrue();
                assertThat(resumed.json().path("last_seq").asLong()).isEqualTo(seq(first.get(4)));
                List<Frame> rest = again.untilFinal();
                List<Frame> all = new ArrayList<>(first);
                all.addAll(rest);
                assertThat(WsClient.joined(all)).isEqualTo(ANSWER);
                for (int i = 1; i < all.size(); i++) {
                    assertThat(seq(all.get(i))).as("no gap, no duplicate").isEqualTo(seq(all.get(i - 1)) + 1);
                }
                assertThat(agent.hangUpCount()).as("the agent was never cut off").isZero();

                // seq goes on across turns and connections
                agent.script(StandInAgent.echo(Duration.ZERO));
                List<Frame> next = again.userMessage("and more").untilFinal();
                assertThat(seq(next.get(0))).isEqualTo(seq(all.get(all.size() - 1)) + 1);
            }
        }
    }

    @Test
    void lastSeqMinusOneReplaysEverythingKept() throws Exception {
        agent.script(StandInAgent.openAi(List.of("a ", "b ", "c"), Duration.ZERO));
        try (RunningGateway gateway = gateway()) {
            try (WsClient ws = gateway.connect("/ws/everything")) {
                ws.userMessage("abc").untilFinal();
            }
            try (WsClient again = gateway.connect("/ws/everything?last_seq=-1")) {
                assertThat(again.next().json().path("recovered").asBoolean()).isTrue();
                List<Frame> replay = again.untilFinal();
                assertThat(seq(replay.get(0))).isZero();
                assertThat(WsClient.joined(replay)).isEqualTo("a b c");
            }
        }
    }

    @Test
    void framesEvictedFromTheBufferCannotBeRecovered() throws Exception {
        agent.script(StandInAgent.openAi(IntStream.range(0, 60).mapToObj(i -> "token-" + i + "-" + "y".repeat(60))
                .toList(), Duration.ZERO));
        try (RunningGateway gateway = gateway("gateway.session.buffer-bytes", "2048")) {
            try (WsClient ws = gateway.connect("/ws/long")) {
                assertThat(ws.userMessage("long one").untilFinal()).hasSize(61);
            }
            try (WsClient again = gateway.connect("/ws/long?last_seq=0")) {
                Frame resumed = again.next();
                assertThat(resumed.json().path("recovered").asBoolean()).isFalse();
                assertThat(resumed.text("error")).contains("no longer kept");
                // live frames follow: the socket works
                agent.script(StandInAgent.echo(Duration.ZERO));
                List<Frame> next = again.userMessage("still here").untilFinal();
                assertThat(seq(next.get(0))).isEqualTo(61);
            }
        }
    }

    @Test
    void aLastSeqNeverSentIsNotRecoveredAndTheSessionNumbersOnFromItsOwnSeq() throws Exception {
        agent.script(StandInAgent.echo(Duration.ZERO));
        try (RunningGateway gateway = gateway()) {
            try (WsClient ws = gateway.connect("/ws/boaster")) {
                assertThat(ws.userMessage("a b").untilFinal()).hasSize(3); // seq 0, 1, 2
            }
            try (WsClient again = gateway.connect("/ws/boaster?last_seq=99")) {
                Frame resumed = again.next();
                assertThat(resumed.json().path("recovered").asBoolean()).isFalse();
                assertThat(resumed.text("error")).contains("never sent");
                List<Frame> next = again.userMessage("c").untilFinal();
                assertThat(seq(next.get(0))).as("a claim of frames it never had moves nothing").isEqualTo(3);
            }
        }
    }

    @Test
    void anExpiredOrUnknownSessionIsNotRecovered() throws Exception {
        agent.script(StandInAgent.openAi(List.of("x"), Duration.ZERO));
        try (RunningGateway gateway = gateway("gateway.session.ttl", "1")) {
            try (WsClient ws = gateway.connect("/ws/brief")) {
                ws.userMessage("hi").untilFinal();
            }
            SessionStreams streams = gateway.context().getRegistry()
                    .lookupByNameAndType("sessionStreams", SessionStreams.class);
            await().atMost(Duration.ofSeconds(5)).until(() -> streams.size() == 0);
            try (WsClient again = gateway.connect("/ws/brief?last_seq=0")) {
                Frame resumed = again.next();
                assertThat(resumed.json().path("recovered").asBoolean()).isFalse();
                assertThat(resumed.text("error")).startsWith("Unknown or expired session");
            }
            try (WsClient stranger = gateway.connect("/ws/never-was?last_seq=5")) {
                assertThat(stranger.next().json().path("recovered").asBoolean()).isFalse();
            }
        }
    }

    /** Asks on a new socket and drops it once the first frame of the answer came: that frame's seq. */
    private static long askThenDrop(RunningGateway gateway, String path) {
        WsClient ws = gateway.connect(path);
        ws.userMessage("go");
        long last = seq(ws.next());
        ws.abort();
        return last;
    }

    @Test
    void withinTheGraceTheAnswerWaitsForItsClientAfterItTheAgentIsCutOff() throws Exception {
        agent.script(StandInAgent.endless(Duration.ofMillis(50)));
        try (RunningGateway gateway = gateway("gateway.session.resume-grace", "1.5")) {
            long last = askThenDrop(gateway, "/ws/grace");
            Thread.sleep(600); // away for a while, but within the grace
            try (WsClient back = gateway.connect("/ws/grace?last_seq=" + last)) {
                assertThat(back.next().json().path("recovered").asBoolean()).isTrue();
                Frame f = back.next();
                assertThat(seq(f)).isEqualTo(last + 1);
                assertThat(agent.hangUpCount()).as("not cut off within the grace").isZero();
                back.abort();
            }
            long gone = System.nanoTime();
            Long hungUp = agent.awaitHangUp(Duration.ofSeconds(6));
            assertThat(hungUp).as("the agent sees its connection closed after the grace").isNotNull();
            assertThat((hungUp - gone) / 1_000_000).isBetween(1000L, 4000L);
        }
    }

    @Test
    void aClientBackAfterTheGraceGetsTheFinalOfItsAbandonedAnswerNotHalfAnAnswer() throws Exception {
        agent.script(StandInAgent.endless(Duration.ofMillis(50)));
        try (RunningGateway gateway = gateway("gateway.session.resume-grace", "0.5")) {
            long last = askThenDrop(gateway, "/ws/late");
            assertThat(agent.awaitHangUp(Duration.ofSeconds(5))).as("abandoned after the grace").isNotNull();
            try (WsClient back = gateway.connect("/ws/late?last_seq=" + last)) {
                assertThat(back.next().json().path("recovered").asBoolean()).isTrue();
                List<Frame> rest = back.untilFinal();
                Frame end = rest.get(rest.size() - 1);
                assertThat(end.json().path("type").asText()).isEqualTo("error");
                assertThat(end.text("error")).startsWith("Answer abandoned");
                assertThat(seq(end)).isGreaterThan(last);
                // and the session takes the next question
                agent.script(StandInAgent.echo(Duration.ZERO));
                assertThat(WsClient.joined(back.userMessage("again").untilFinal())).isEqualTo("again");
            }
        }
    }

    @Test
    void withNoGraceADisconnectCutsTheAgentOffAtOnce() throws Exception {
        agent.script(StandInAgent.endless(Duration.ofMillis(50)));
        try (RunningGateway gateway = gateway("gateway.session.resume-grace", "0")) {
            WsClient ws = gateway.connect("/ws/no-grace");
            ws.userMessage("go");
            ws.next();
            long gone = System.nanoTime();
            ws.abort();
            Long hungUp = agent.awaitHangUp(Duration.ofSeconds(3));
            assertThat(hungUp).isNotNull();
            assertThat((hungUp - gone) / 1_000_000).isLessThan(1500L);
        }
    }
}
