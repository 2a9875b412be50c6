package io.agentgateway.tool;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.agentgateway.common.TimedEntries;
import io.vertx.core.Vertx;

/** {@link PendingToolCalls} for one gateway instance; timeouts are Vert.x timers, so waiting costs no thread. */
public class InMemoryPendingToolCalls implements PendingToolCalls {

    private record Key(String sessionId, String callId) {
    }

    private final TimedEntries<Key, PendingToolCall> calls;
    private final int maxPerSession;
    /** calls pending per session; guarded by this */
    private final Map<String, Integer> perSession = new HashMap<>();

    public InMemoryPendingToolCalls(Vertx vertx, int maxPerSession) {
        this.calls = new TimedEntries<>(vertx);
        this.maxPerSession = maxPerSession;
    }

    @Override
    public Registration register(PendingToolCall call) {
        Key key = new Key(call.sessionId(), call.callId());
        synchronized (this) {
            if (calls.get(key) != null) {
                return Registration.DUPLICATE_CALL_ID;
            }
            if (perSession.getOrDefault(call.sessionId(), 0) >= maxPerSession) {
                return Registration.TOO_MANY_PENDING;
            }
            calls.add(key, call, call.timeout(), (k, c) -> ended(c, new ToolOutcome.TimedOut()));
            perSession.merge(call.sessionId(), 1, Integer::sum);
        }
        return Registration.REGISTERED;
    }

    @Override
    public boolean complete(String sessionId, String callId, ToolOutcome outcome) {
        PendingToolCall call = calls.remove(new Key(sessionId, callId));
        if (call == null) {
            return false;
        }
        ended(call, outcome);
        return true;
    }

    /** Runs once per call, outside any lock: completing runs the waiting route's next steps. */
    private void ended(PendingToolCall call, ToolOutcome outcome) {
        synchronized (this) {
            perSession.computeIfPresent(call.sessionId(), (s, n) -> n <= 1 ? null : n - 1);
        }
        call.outcome().complete(outcome);
    }

    @Override
    public int failConnection(String sessionId, String connectionKey) {
        List<PendingToolCall> sent = calls.values(c -> c.sessionId().equals(sessionId)
                                                        && c.connectionKey().equals(connectionKey));
        int failed = 0;
        for (PendingToolCall c : sent) {
            if (complete(c.sessionId(), c.callId(), new ToolOutcome.SocketClosed())) {
                failed++;
            }
        }
        return failed;
    }

    @Override
    public int size() {
        return calls.size();
    }
}
