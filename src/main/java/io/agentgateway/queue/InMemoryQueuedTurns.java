package io.agentgateway.queue;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.agentgateway.session.ChatMessage;
import io.agentgateway.session.ConversationHistory;
import io.agentgateway.stream.AgentFailures;
import io.agentgateway.stream.Turn;
import io.vertx.core.Vertx;

/** {@link QueuedTurns} for one gateway instance; the silence watchdog is a Vert.x timer. */
public class InMemoryQueuedTurns implements QueuedTurns {

    private static final class Entry {
        final Turn turn;
        volatile long lastHeard = System.nanoTime();

        Entry(Turn turn) {
            this.turn = turn;
        }
    }

    private final Vertx vertx;
    private final Duration timeout;
    private final ConversationHistory history;
    private final AgentFailures failures;
    private final Map<String, Entry> turns = new ConcurrentHashMap<>();

    public InMemoryQueuedTurns(Vertx vertx, Duration timeout, ConversationHistory history, AgentFailures failures) {
        this.vertx = vertx;
        this.timeout = timeout;
        this.history = history;
        this.failures = failures;
    }

    @Override
    public void begin(String requestId, Turn turn) {
        turns.put(requestId, new Entry(turn));
        watch(requestId, timeout.toMillis());
    }

    private void watch(String requestId, long delayMs) {
        vertx.setTimer(Math.max(1, delayMs), id -> {
            Entry e = turns.get(requestId);
            if (e == null) {
                return;
            }
            if (e.turn.isFinished()) {
                turns.remove(requestId);
                return;
            }
            long silentMs = (System.nanoTime() - e.lastHeard) / 1_000_000;
            if (silentMs >= timeout.toMillis()) {
                turns.remove(requestId);
                e.turn.fail(failures.timedOut());
            } else {
                watch(requestId, timeout.toMillis() - silentMs);
            }
        });
    }

    @Override
    public boolean relay(String requestId, String token, boolean isFinal) {
        Entry e = turns.get(requestId);
        if (e == null || e.turn.isFinished()) {
            turns.remove(requestId);
            return false;
        }
        e.lastHeard = System.nanoTime();
        if (!token.isEmpty() && !e.turn.emit(token)) {
            return false;
        }
        if (isFinal) {
            turns.remove(requestId);
            String answer = e.turn.complete();
            if (answer != null) {
                history.append(e.turn.sessionId(), new ChatMessage("user", e.turn.userContent()),
                        new ChatMessage("assistant", answer));
            }
        }
        return true;
    }

    @Override
    public boolean fail(String requestId, String message) {
        Entry e = turns.remove(requestId);
        return e != null && e.turn.fail(message);
    }

    @Override
    public int size() {
        return turns.size();
    }
}
