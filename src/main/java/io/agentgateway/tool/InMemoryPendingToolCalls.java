package io.agentgateway.tool;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.vertx.core.Vertx;

/** {@link PendingToolCalls} for one gateway instance; timeouts are Vert.x timers, so waiting costs no thread. */
public class InMemoryPendingToolCalls implements PendingToolCalls {

    private record Entry(PendingToolCall call, long timerId) {
    }

    private final Vertx vertx;
    private final int maxPerSession;
    /** session id → call id → entry; guarded by this */
    private final Map<String, Map<String, Entry>> bySession = new HashMap<>();
    private int size;

    public InMemoryPendingToolCalls(Vertx vertx, int maxPerSession) {
        this.vertx = vertx;
        this.maxPerSession = maxPerSession;
    }

    @Override
    public Registration register(PendingToolCall call) {
        synchronized (this) {
            Map<String, Entry> session = bySession.computeIfAbsent(call.sessionId(), k -> new LinkedHashMap<>());
            if (session.containsKey(call.callId())) {
                return Registration.DUPLICATE_CALL_ID;
            }
            if (session.size() >= maxPerSession) {
                return Registration.TOO_MANY_PENDING;
            }
            long timer = vertx.setTimer(Math.max(1, call.timeout().toMillis()),
                    id -> complete(call.sessionId(), call.callId(), new ToolOutcome.TimedOut()));
            session.put(call.callId(), new Entry(call, timer));
            size++;
            return Registration.REGISTERED;
        }
    }

    @Override
    public boolean complete(String sessionId, String callId, ToolOutcome outcome) {
        Entry entry;
        synchronized (this) {
            Map<String, Entry> session = bySession.get(sessionId);
            entry = session == null ? null : session.remove(callId);
            if (entry == null) {
                return false;
            }
            if (session.isEmpty()) {
                bySession.remove(sessionId);
            }
            size--;
        }
        vertx.cancelTimer(entry.timerId());
        // outside the lock: completing runs the waiting route's next steps
        entry.call().outcome().complete(outcome);
        return true;
    }

    @Override
    public int failConnection(String sessionId, String connectionKey) {
        List<PendingToolCall> sent = new ArrayList<>();
        synchronized (this) {
            Map<String, Entry> session = bySession.getOrDefault(sessionId, Map.of());
            session.values().stream().map(Entry::call)
                    .filter(c -> c.connectionKey().equals(connectionKey)).forEach(sent::add);
        }
        int failed = 0;
        for (PendingToolCall c : sent) {
            if (complete(c.sessionId(), c.callId(), new ToolOutcome.SocketClosed())) {
                failed++;
            }
        }
        return failed;
    }

    @Override
    public synchronized int size() {
        return size;
    }
}
