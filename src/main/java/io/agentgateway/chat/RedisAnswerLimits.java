package io.agentgateway.chat;

import java.util.Optional;
import java.util.concurrent.Executor;

import io.agentgateway.common.OutageLog;
import io.agentgateway.common.RedisSlots;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link AnswerLimits} shared by every instance on one Redis: {@code <prefix>app:{<identity>}:answers} holds the
 * identity's answer slots ({@link RedisSlots}), so a dead instance's slots free themselves. When Redis cannot be asked,
 * the answer goes ahead under this instance's own count.
 */
public final class RedisAnswerLimits implements AnswerLimits {

    private static final Logger LOG = LoggerFactory.getLogger(RedisAnswerLimits.class);

    private final RedisSlots slots;
    private final String prefix;
    private final int maxPerIdentity;
    private final AnswerLimits local;
    private final Executor releaseShared;
    private final OutageLog outage = new OutageLog(LOG, "Shared answer limit unavailable, counting this instance only",
            "Shared answer limits work again");

    /**
     * @param local         this instance's own count, which also holds when Redis cannot be asked
     * @param releaseShared where a shared slot is given back (a Redis round trip): an answer ends on its event loop,
     *                      so a worker
     */
    public RedisAnswerLimits(RedisSlots slots, String prefix, int maxPerIdentity, AnswerLimits local,
                             Executor releaseShared) {
        this.slots = slots;
        this.prefix = prefix;
        this.maxPerIdentity = maxPerIdentity;
        this.local = local;
        this.releaseShared = releaseShared;
    }

    @Override
    public Optional<Slot> tryAcquire(Optional<String> identity) {
        Optional<Slot> here = local.tryAcquire(identity);
        if (identity.isEmpty() || here.isEmpty()) {
            return here;
        }
        try {
            Optional<Slot> shared = slots.tryAcquireBeside(prefix + "app:{" + identity.get() + "}:answers",
                    maxPerIdentity, here.get()::release, releaseShared).map(release -> release::run);
            outage.succeeded();
            return shared;
        } catch (RuntimeException e) {
            outage.failed(e.getMessage());
            return here;
        }
    }

    /** Answers streaming for the identity on this instance (the shared count is in Redis). */
    @Override
    public int active(String identity) {
        return local.active(identity);
    }

    @Override
    public int maxPerIdentity() {
        return maxPerIdentity;
    }
}
