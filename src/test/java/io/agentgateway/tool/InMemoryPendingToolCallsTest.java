package io.agentgateway.tool;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static io.agentgateway.tool.PendingToolCalls.Registration.DUPLICATE_CALL_ID;
import static io.agentgateway.tool.PendingToolCalls.Registration.REGISTERED;
import static io.agentgateway.tool.PendingToolCalls.Registration.TOO_MANY_PENDING;
import static org.assertj.core.api.Assertions.assertThat;

class InMemoryPendingToolCallsTest {

    private final Vertx vertx = Vertx.vertx();
    private final PendingToolCalls calls = new InMemoryPendingToolCalls(vertx, 2);

    @AfterEach
    void close() {
        vertx.close();
    }

    private static PendingToolCall call(String session, String id, String connection, Duration timeout) {
        return new PendingToolCall(session, id, "t", JsonNodeFactory.instance.objectNode(), timeout, connection);
    }

    @Test
    void aCallEndsOnceAndIsGone() throws Exception {
        PendingToolCall c = call("s", "1", "conn", Duration.ofMinutes(1));
        assertThat(calls.register(c)).isEqualTo(REGISTERED);
        assertThat(calls.register(call("s", "1", "conn", Duration.ofMinutes(1)))).isEqualTo(DUPLICATE_CALL_ID);
        assertThat(calls.register(call("other", "1", "conn2", Duration.ofMinutes(1)))).as("ids are per session")
                .isEqualTo(REGISTERED);
        assertThat(calls.complete("s", "1", new ToolOutcome.ClientError("no"))).isTrue();
        assertThat(calls.complete("s", "1", new ToolOutcome.ClientError("again"))).isFalse();
        assertThat(c.outcome().get(1, TimeUnit.SECONDS)).isEqualTo(new ToolOutcome.ClientError("no"));
        assertThat(calls.complete("s", "never", new ToolOutcome.TimedOut())).isFalse();
        assertThat(calls.size()).isEqualTo(1);
    }

    @Test
    void aSessionHasABoundAndFreedSlotsCountAgain() {
        assertThat(calls.register(call("s", "1", "c", Duration.ofMinutes(1)))).isEqualTo(REGISTERED);
        assertThat(calls.register(call("s", "2", "c", Duration.ofMinutes(1)))).isEqualTo(REGISTERED);
        assertThat(calls.register(call("s", "3", "c", Duration.ofMinutes(1)))).isEqualTo(TOO_MANY_PENDING);
        calls.complete("s", "1", new ToolOutcome.TimedOut());
        assertThat(calls.register(call("s", "3", "c", Duration.ofMinutes(1)))).isEqualTo(REGISTERED);
    }

    @Test
    void theTimeoutEndsTheCall() throws Exception {
        PendingToolCall c = call("s", "1", "c", Duration.ofMillis(50));
        calls.register(c);
        assertThat(c.outcome().get(2, TimeUnit.SECONDS)).isEqualTo(new ToolOutcome.TimedOut());
        assertThat(calls.size()).isZero();
    }

    @Test
    void closingASocketEndsOnlyTheCallsSentToIt() throws Exception {
        PendingToolCall mine = call("s", "1", "old-socket", Duration.ofMinutes(1));
        PendingToolCall newer = call("s", "2", "new-socket", Duration.ofMinutes(1));
        calls.register(mine);
        calls.register(newer);
        assertThat(calls.failConnection("s", "old-socket")).isEqualTo(1);
        assertThat(mine.outcome().get(1, TimeUnit.SECONDS)).isEqualTo(new ToolOutcome.SocketClosed());
        assertThat(newer.outcome()).isNotDone();
        assertThat(calls.size()).isEqualTo(1);
    }
}
