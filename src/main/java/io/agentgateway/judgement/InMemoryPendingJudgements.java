package io.agentgateway.judgement;

import java.util.LinkedHashSet;
import java.util.Set;

import io.agentgateway.common.GatewayMetrics;
import io.agentgateway.common.GatewayMetrics.JudgementReply;
import io.agentgateway.common.ServerFrames;
import io.agentgateway.common.TimedEntries;
import io.vertx.core.Vertx;

/** {@link PendingJudgements} for one gateway instance; each request's timeout is a Vert.x timer. */
public class InMemoryPendingJudgements implements PendingJudgements {

    /** One request; its own lock orders its frames, so requests never wait on each other. */
    private static final class Pending {
        final Judgement judgement;
        /** agents with no final yet; guarded by this */
        final Set<String> waiting;

        Pending(Judgement judgement) {
            this.judgement = judgement;
            this.waiting = new LinkedHashSet<>(judgement.agentIds());
        }
    }

    private final TimedEntries<String, Pending> requests;
    private final ServerFrames frames;
    private final GatewayMetrics metrics;

    public InMemoryPendingJudgements(Vertx vertx, ServerFrames frames, GatewayMetrics metrics) {
        this.requests = new TimedEntries<>(vertx);
        this.frames = frames;
        this.metrics = metrics;
    }

    @Override
    public void begin(Judgement judgement) {
        requests.add(judgement.sessionId(), new Pending(judgement), judgement.timeout(), (id, p) -> expire(p));
    }

    @Override
    public boolean relay(String sessionId, String agentId, boolean isFinal, String frame) {
        Pending p = requests.get(sessionId);
        if (p == null) {
            return false;
        }
        synchronized (p) {
            if (!p.waiting.contains(agentId)) {
                return false;
            }
            if (isFinal) {
                p.waiting.remove(agentId);
                if (p.waiting.isEmpty()) {
                    requests.remove(sessionId);
                }
            }
            // sent under the request's lock so that a timeout final can never overtake or follow a real final
            p.judgement.socket().send(frame);
        }
        return true;
    }

    private void expire(Pending p) {
        synchronized (p) {
            for (String agentId : p.waiting) {
                p.judgement.socket().send(frames.judgementTimedOut(p.judgement.sessionId(), agentId,
                        p.judgement.timeout()));
                metrics.judgementReply(JudgementReply.TIMEOUT);
            }
            p.waiting.clear();
        }
    }

    @Override
    public boolean abandon(String sessionId) {
        return requests.remove(sessionId) != null;
    }

    @Override
    public void dropConnection(String connectionKey) {
        requests.removeIf(p -> p.judgement.socket().connectionKey().equals(connectionKey));
    }

    @Override
    public int size() {
        return requests.size();
    }
}
