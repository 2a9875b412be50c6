package io.agentgateway.chat;

import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

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

    /** @param local this instance's own count, which also holds when Redis cannot be asked */
    public RedisAnswerLimits(RedisSlots slots, String prefix, int maxPerIdentity, AnswerLimits local) {
        this.slots = slots;
        this.prefix = prefix;
        this.maxPerIdentity = maxPerIdentity;
        this.local = local;
    }

    @Override
    public Optional<Slot> tryAcquire(Optional<String> identity) {
        Optional<Slot> here = local.tryAcquire(identity);
        if (identity.isEmpty() || here.isEmpty()) {
            return here;
        }
        Optional<String> shared;
        try {
            shared = slots.tryAcquire(prefix + "app:{" + identity.get() + "}:answers", maxPerIdentity);
        } catch (RuntimeException e) {
            LOG.warn("Shared answer limit unavailable, counting this instance only: {}", e.getMessage());
            return here;
        }
        if (shared.isEmpty()) {
            here.get().release();
            return Optional.empty();
        }
        AtomicBoolean released = new AtomicBoolean();
        Slot localSlot = here.get();
        return Optional.of(() -> {
            if (released.compareAndSet(false, true)) {
                localSlot.release();
                slots.release(shared.get());
            }
        });
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
