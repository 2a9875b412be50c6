package io.agentgateway.chat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.core.script.DefaultRedisScript;

/**
 * {@link AnswerLimits} shared by every instance on one Redis: {@code <prefix>app:{<identity>}:answers} is a sorted set
 * of the identity's answer slots, each scored by when it expires (Redis's own clock). A slot is renewed while its
 * answer streams (one timer for the instance) and removed when it ends, so the slots of an instance that died expire
 * by themselves within {@code ttl}. When Redis cannot be asked, the answer goes ahead (this instance's own limit
 * still holds).
 */
public final class RedisAnswerLimits implements AnswerLimits {

    private static final Logger LOG = LoggerFactory.getLogger(RedisAnswerLimits.class);

    /** KEYS[1] the set; ARGV: max, slot id, ttl ms. Drops expired slots, then takes one if there is room. */
    private static final DefaultRedisScript<Long> ACQUIRE = new DefaultRedisScript<>("""
            local t = redis.call('TIME')
            local now = t[1] * 1000 + math.floor(t[2] / 1000)
            redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
            if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then return 0 end
            redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[2])
            redis.call('PEXPIRE', KEYS[1], 2 * tonumber(ARGV[3]))
            return 1""", Long.class);

    /** KEYS[1] the set; ARGV: slot id, ttl ms. Pushes the slot's expiry on, if it is still there. */
    private static final DefaultRedisScript<Long> RENEW = new DefaultRedisScript<>("""
            local t = redis.call('TIME')
            local now = t[1] * 1000 + math.floor(t[2] / 1000)
            redis.call('PEXPIRE', KEYS[1], 2 * tonumber(ARGV[2]))
            return redis.call('ZADD', KEYS[1], 'XX', now + tonumber(ARGV[2]), ARGV[1])""", Long.class);

    private final StringRedisTemplate redis;
    private final String prefix;
    private final int maxPerIdentity;
    private final Duration ttl;
    private final AnswerLimits local;
    /** slot id → its set's key, for the slots this instance holds */
    private final Map<String, String> held = new ConcurrentHashMap<>();

    /** @param local this instance's own count, which also holds when Redis cannot be asked */
    public RedisAnswerLimits(Vertx vertx, StringRedisTemplate redis, String prefix, int maxPerIdentity, Duration ttl,
                             AnswerLimits local) {
        this.redis = redis;
        this.prefix = prefix;
        this.maxPerIdentity = maxPerIdentity;
        this.ttl = ttl;
        this.local = local;
        vertx.setPeriodic(Math.max(200, ttl.toMillis() / 3), id -> {
            if (!held.isEmpty()) {
                vertx.executeBlocking(() -> {
                    renew();
                    return null;
                }, false);
            }
        });
    }

    private String key(String identity) {
        return prefix + "app:{" + identity + "}:answers";
    }

    @Override
    public Optional<Slot> tryAcquire(Optional<String> identity) {
        Optional<Slot> here = local.tryAcquire(identity);
        if (identity.isEmpty() || here.isEmpty()) {
            return here;
        }
        String key = key(identity.get());
        String slotId = UUID.randomUUID().toString();
        try {
            Long ok = redis.execute(ACQUIRE, List.of(key), Integer.toString(maxPerIdentity), slotId,
                    Long.toString(ttl.toMillis()));
            if (ok == null || ok == 0) {
                here.get().release();
                return Optional.empty();
            }
        } catch (RuntimeException e) {
            LOG.warn("Shared answer limit unavailable, counting this instance only: {}", e.getMessage());
            return here;
        }
        held.put(slotId, key);
        AtomicBoolean released = new AtomicBoolean();
        Slot localSlot = here.get();
        return Optional.of(() -> {
            if (released.compareAndSet(false, true)) {
                localSlot.release();
                held.remove(slotId);
                try {
                    redis.opsForZSet().remove(key, slotId);
                } catch (RuntimeException e) {
                    LOG.debug("Answer slot not removed (it expires): {}", e.getMessage());
                }
            }
        });
    }

    private void renew() {
        for (Map.Entry<String, String> e : held.entrySet()) {
            try {
                redis.execute(RENEW, List.of(e.getValue()), e.getKey(), Long.toString(ttl.toMillis()));
            } catch (RuntimeException ex) {
                LOG.debug("Answer slot not renewed: {}", ex.getMessage());
            }
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
