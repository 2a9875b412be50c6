package io.agentgateway.chat;

import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeoutException;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.agentgateway.common.ClientSocket;
import io.agentgateway.common.GatewayMetrics;
import io.agentgateway.common.GatewayMetrics.AgentError;
import io.agentgateway.common.GatewayMetrics.AnswerOutcome;
import io.agentgateway.common.ServerFrames;
import org.apache.camel.CamelExchangeException;
import io.netty.channel.ConnectTimeoutException;
import io.vertx.core.http.HttpClosedException;
import org.junit.jupiter.api.Test;
import org.springframework.dao.QueryTimeoutException;

import static org.assertj.core.api.Assertions.assertThat;

/** What a turn tells {@link GatewayMetrics}, and how a failure's cause becomes an agent-error kind. */
class TurnMetricsTest {

    private final Recording metrics = new Recording();
    private final ServerFrames frames = new ServerFrames(new ObjectMapper());

    @Test
    void eachTokenIsTimedFromTheMessageThenFromThePreviousToken() {
        Turn turn = turn();
        turn.emit("a");
        turn.emit("b");
        turn.emit("c");
        turn.complete();
        turn.emit("late");
        assertThat(metrics.firsts).containsExactly(true, false, false);
        assertThat(metrics.nanos).allSatisfy(n -> assertThat(n).isNotNegative());
        assertThat(metrics.outcomes).containsExactly(AnswerOutcome.COMPLETED);
    }

    @Test
    void aTurnEndsOnceWhicheverWayComesFirst() {
        Turn cancelled = turn();
        cancelled.cancel();
        cancelled.fail("too late");
        cancelled.abandon();
        Turn failed = turn();
        failed.fail("agent down");
        failed.complete();
        Turn abandoned = turn();
        abandoned.abandon();
        abandoned.cancel();
        assertThat(metrics.outcomes)
                .containsExactly(AnswerOutcome.CANCELLED, AnswerOutcome.FAILED, AnswerOutcome.ABANDONED);
        assertThat(metrics.firsts).isEmpty();
    }

    @Test
    void failuresAreSortedIntoKinds() {
        AgentFailures failures = new AgentFailures(Duration.ofSeconds(30));
        assertThat(failures.kind(new CamelExchangeException("wrapped", null, new ConnectException("Connection refused"))))
                .isEqualTo(AgentError.REFUSED);
        assertThat(failures.kind(new AgentStatusException(500, "Server Error"))).isEqualTo(AgentError.STATUS);
        assertThat(failures.kind(new SocketTimeoutException("Read timed out"))).isEqualTo(AgentError.TIMEOUT);
        assertThat(failures.kind(new AgentSilenceException(30_000))).isEqualTo(AgentError.TIMEOUT);
        assertThat(failures.kind(new ConnectTimeoutException("connect timed out"))).isEqualTo(AgentError.TIMEOUT);
        assertThat(failures.kind(new TimeoutException("no pooled connection in time"))).isEqualTo(AgentError.TIMEOUT);
        assertThat(failures.kind(new HttpClosedException("Connection was closed"))).isEqualTo(AgentError.OTHER);
        assertThat(failures.kind(new AgentStreamException("Agent sent a malformed stream: not JSON: 'x'")))
                .isEqualTo(AgentError.MALFORMED);
        assertThat(failures.kind(new AgentStreamException("Agent reported an error: overloaded")))
                .isEqualTo(AgentError.OTHER);
        assertThat(failures.kind(new QueryTimeoutException("redis"))).isEqualTo(AgentError.OTHER);
        assertThat(failures.kind(new IllegalStateException("bug"))).isEqualTo(AgentError.OTHER);
    }

    @Test
    void failuresAreToldInTheWordsClientsKnow() {
        AgentFailures failures = new AgentFailures(Duration.ofSeconds(30));
        assertThat(failures.describe(new AgentStatusException(503, "Service Unavailable")))
                .isEqualTo("Agent answered HTTP 503");
        assertThat(failures.describe(new AgentSilenceException(30_000)))
                .isEqualTo("Agent timed out: nothing received for 30 s (GATEWAY__REQUEST_TIMEOUT)");
        // Netty's connect timeout is a ConnectException too: it must not read as a refusal
        assertThat(failures.describe(new ConnectTimeoutException("connection timed out: /10.0.0.1:80")))
                .isEqualTo("Agent unreachable: connect timed out after 30 s");
        assertThat(failures.describe(new TimeoutException("The timeout of 30000 ms has been exceeded")))
                .isEqualTo("Agent unreachable: connect timed out after 30 s");
        assertThat(failures.describe(new ConnectException("Connection refused: /127.0.0.1:9")))
                .isEqualTo("Agent unreachable: Connection refused: /127.0.0.1:9");
        assertThat(failures.describe(new HttpClosedException("Connection was closed")))
                .isEqualTo("Agent stream failed: Connection was closed");
    }

    private Turn turn() {
        return quietTurn(new QuietStream(), metrics);
    }

    /** A turn whose frames go to {@code stream}, recorded at once, telling {@code metrics}. */
    static Turn quietTurn(QuietStream stream, GatewayMetrics metrics) {
        return quietTurn("s", "hi", stream, true, (t, answer, then) -> then.run(), metrics);
    }

    /** The same for {@code sessionId} asking {@code question}, gathering its answer for {@code recorder} or not. */
    static Turn quietTurn(String sessionId, String question, QuietStream stream, boolean gather, Turn.Recorder recorder,
                          GatewayMetrics metrics) {
        return new Turn(sessionId, question, stream, new ServerFrames(new ObjectMapper()), 1 << 20, gather, t -> { },
                recorder, metrics);
    }

    static final class Recording implements GatewayMetrics {
        final List<Boolean> firsts = new ArrayList<>();
        final List<Long> nanos = new ArrayList<>();
        final List<AnswerOutcome> outcomes = new ArrayList<>();

        @Override
        public void token(boolean first, long nanosSinceMessageOrPreviousToken) {
            firsts.add(first);
            nanos.add(nanosSinceMessageOrPreviousToken);
        }

        @Override
        public void answerEnded(AnswerOutcome outcome) {
            outcomes.add(outcome);
        }

        @Override
        public void socketOpened(Socket socket) {
        }

        @Override
        public void socketClosed(Socket socket) {
        }

        @Override
        public void agentError(AgentError kind) {
        }

        @Override
        public void toolCallAnswered(int status) {
        }

        @Override
        public void judgementReply(JudgementReply type) {
        }

        @Override
        public void resumed(boolean recovered) {
        }

        @Override
        public void tokensMerged(int frames) {
        }

        @Override
        public void frameHandedOver() {
        }
    }

    /** A session stream that takes every frame and keeps only the frames' text, for a test to read. */
    static final class QuietStream implements io.agentgateway.session.SessionStreams {
        final List<String> frames = new ArrayList<>();
        private long seq;

        @Override
        public synchronized long append(String sessionId, java.util.function.LongFunction<String> frame) {
            frames.add(frame.apply(seq));
            return seq++;
        }

        @Override
        public synchronized long appendToken(String sessionId, String token) {
            return append(sessionId, s -> new ServerFrames(new ObjectMapper()).token(token, false, s));
        }

        @Override
        public java.util.Optional<Resumption> attach(ClientSocket socket, java.util.OptionalLong lastSeq) {
            return java.util.Optional.empty();
        }

        @Override
        public void detach(ClientSocket socket) {
        }

        @Override
        public boolean hasCapacity(String sessionId) {
            return true;
        }

        @Override
        public void onCapacity(String sessionId, Runnable then) {
            then.run();
        }

        @Override
        public boolean claim(String sessionId, String identity) {
            return true;
        }

        @Override
        public java.util.Optional<String> owner(String sessionId) {
            return java.util.Optional.empty();
        }

        @Override
        public boolean hasReader(String sessionId) {
            return false;
        }

        @Override
        public Snapshot moveTo(String sessionId, String to, java.util.function.Consumer<Snapshot> snapshotFirst,
                               java.util.function.Consumer<String> forward) {
            throw new UnsupportedOperationException();
        }

        @Override
        public boolean isMoved(String sessionId) {
            return false;
        }

        @Override
        public boolean has(String sessionId) {
            return true;
        }

        @Override
        public long nextSeq(String sessionId) {
            return 0;
        }

        @Override
        public java.util.List<String> sessions() {
            return java.util.List.of();
        }

        @Override
        public void install(String sessionId, Snapshot snapshot, java.util.Optional<String> producer, int took) {
        }

        @Override
        public void interruptIfOpen(String sessionId) {
        }

        @Override
        public void appendForwarded(String sessionId, String frame, String from) {
        }

        @Override
        public java.util.Optional<String> producer(String sessionId) {
            return java.util.Optional.empty();
        }

        @Override
        public int size() {
            return 0;
        }
    }
}
