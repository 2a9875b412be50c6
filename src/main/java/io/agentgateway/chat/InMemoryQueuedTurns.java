package io.agentgateway.chat;

import java.time.Duration;

import io.agentgateway.common.GatewayMetrics;
import io.agentgateway.common.GatewayMetrics.AgentError;
import io.agentgateway.common.TimedEntries;
import io.vertx.core.Vertx;

/** {@link QueuedTurns} for one gateway instance; the silence watchdog is a Vert.x timer. */
public class InMemoryQueuedTurns implements QueuedTurns {

    private final TimedEntries<String, Turn> turns;
    private final Duration timeout;
    private final AgentFailures failures;
    private final GatewayMetrics metrics;

    public InMemoryQueuedTurns(Vertx vertx, Duration timeout, AgentFailures failures, GatewayMetrics metrics) {
        this.turns = new TimedEntries<>(vertx);
        this.timeout = timeout;
        this.failures = failures;
        this.metrics = metrics;
    }

    @Override
    public void begin(String requestId, Turn turn) {
        turns.add(requestId, turn, timeout, (id, t) -> {
            if (t.fail(failures.timedOut())) {
                metrics.agentError(AgentError.TIMEOUT);
            }
        });
    }

    @Override
    public boolean relay(String requestId, String token, boolean isFinal) {
        Turn turn = turns.touch(requestId);
        if (turn == null || turn.isFinished()) {
            turns.remove(requestId);
            return false;
        }
        if (!token.isEmpty() && !turn.emit(token)) {
            return false;
        }
        if (isFinal) {
            turns.remove(requestId);
            turn.complete();
        }
        return true;
    }

    @Override
    public boolean fail(String requestId, String message) {
        Turn turn = turns.remove(requestId);
        if (turn != null && turn.fail(message)) {
            metrics.agentError(AgentError.OTHER); // the worker's error reply
            return true;
        }
        return false;
    }

    @Override
    public int size() {
        return turns.size();
    }
}
