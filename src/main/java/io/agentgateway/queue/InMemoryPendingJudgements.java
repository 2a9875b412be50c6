package io.agentgateway.queue;

import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.agentgateway.config.Durations;
import io.vertx.core.Vertx;

/** {@link PendingJudgements} for one gateway instance; each request's timeout is a Vert.x timer. */
public class InMemoryPendingJudgements implements PendingJudgements {

    /** result_code of the final the gateway sends for an agent that did not answer in time. */
    public static final int TIMED_OUT = 504;

    private static final class Pending {
        final Judgement judgement;
        final Set<String> waiting;
        long timerId;

        Pending(Judgement judgement) {
            this.judgement = judgement;
            this.waiting = new LinkedHashSet<>(judgement.agentIds());
        }
    }

    private final Vertx vertx;
    private final ObjectMapper mapper;
    /** guarded by this */
    private final Map<String, Pending> requests = new HashMap<>();

    public InMemoryPendingJudgements(Vertx vertx, ObjectMapper mapper) {
        this.vertx = vertx;
        this.mapper = mapper;
    }

    @Override
    public void begin(Judgement judgement) {
        Pending p = new Pending(judgement);
        synchronized (this) {
            requests.put(judgement.sessionId(), p);
            p.timerId = vertx.setTimer(Math.max(1, judgement.timeout().toMillis()), id -> expire(judgement.sessionId()));
        }
    }

    @Override
    public boolean relay(String sessionId, String agentId, boolean isFinal, String frame) {
        Pending p;
        synchronized (this) {
            p = requests.get(sessionId);
            if (p == null || !p.waiting.contains(agentId)) {
                return false;
            }
            if (isFinal) {
                p.waiting.remove(agentId);
                if (p.waiting.isEmpty()) {
                    requests.remove(sessionId);
                    vertx.cancelTimer(p.timerId);
                }
            }
            // sent under the lock so that a timeout final can never overtake or follow a real final
            p.judgement.socket().send(frame);
        }
        return true;
    }

    private void expire(String sessionId) {
        synchronized (this) {
            Pending p = requests.remove(sessionId);
            if (p == null) {
                return;
            }
            for (String agentId : List.copyOf(p.waiting)) {
                ObjectNode f = mapper.createObjectNode();
                f.put("type", "agent_judgement_final");
                f.put("session_id", sessionId);
                f.put("agent_id", agentId);
                f.put("result_code", TIMED_OUT);
                f.put("error", "No final judgement from " + agentId + " within " + Durations.seconds(p.judgement.timeout()) + " s");
                f.putObject("data");
                p.judgement.socket().send(f.toString());
            }
        }
    }

    @Override
    public boolean abandon(String sessionId) {
        synchronized (this) {
            Pending p = requests.remove(sessionId);
            if (p != null) {
                vertx.cancelTimer(p.timerId);
            }
            return p != null;
        }
    }

    @Override
    public void dropConnection(String connectionKey) {
        synchronized (this) {
            requests.values().removeIf(p -> {
                boolean closed = p.judgement.socket().connectionKey().equals(connectionKey);
                if (closed) {
                    vertx.cancelTimer(p.timerId);
                }
                return closed;
            });
        }
    }

    @Override
    public synchronized int size() {
        return requests.size();
    }
}
