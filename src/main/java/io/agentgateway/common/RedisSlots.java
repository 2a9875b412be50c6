package io.agentgateway.common;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;

import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.core.script.DefaultRedisScript;

/**
 * Counted slots shared by every instance on one Redis: a key is a sorted set of slot ids scored by when each expires
 * (Redis's own clock). A slot is renewed while it is held (one timer for the instance) and removed when released, so
 * the slots of an instance that died free themselves within {@code ttl}. Blocking calls: never on an event loop.
 */
public final class RedisSlots {

    private static final Logger LOG = LoggerFactory.getLogger(RedisSlots.class);

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
    private final Duration ttl;
    /** slot id → its key, for the slots this instance holds */
    private final Map<String, String> held = new ConcurrentHashMap<>();

    public RedisSlots(Vertx vertx, StringRedisTemplate redis, Duration ttl) {
        this.redis = redis;
        this.ttl = ttl;
        Pools.everyOnWorker(vertx, Durations.renewEvery(ttl).toMillis(), this::renew);
    }

    /** A slot under {@code key} if it holds fewer than {@code max}: its id, to release. Throws when Redis fails. */
    public Optional<String> tryAcquire(String key, int max) {
        String slotId = UUID.randomUUID().toString();
        Long ok = redis.execute(ACQUIRE, List.of(key), Integer.toString(max), slotId, Long.toString(ttl.toMillis()));
        if (ok == null || ok == 0) {
            return Optional.empty();
        }
        held.put(slotId, key);
        return Optional.of(slotId);
    }

    /**
     * A slot under {@code key} on top of one this instance already holds: the release that frees both, once (the
     * shared slot through {@code releaseShared}, e.g. on a worker when the caller may be on an event loop). Empty when
     * the key is full, the local one then given back. Throws when Redis fails, the local one kept.
     */
    public Optional<Runnable> tryAcquireBeside(String key, int max, Runnable releaseLocal,
                                               Executor releaseShared) {
        Optional<String> shared = tryAcquire(key, max);
        if (shared.isEmpty()) {
            releaseLocal.run();
            return Optional.empty();
        }
        AtomicBoolean released = new AtomicBoolean();
        return Optional.of(() -> {
            if (released.compareAndSet(false, true)) {
                releaseLocal.run();
                releaseShared.execute(() -> release(shared.get()));
            }
        });
    }

    public void release(String slotId) {
        String key = held.remove(slotId);
        if (key == null) {
            return;
        }
        try {
            redis.opsForZSet().remove(key, slotId);
        } catch (RuntimeException e) {
            LOG.debug("Slot not removed (it expires): {}", e.getMessage());
        }
    }

    /** One round trip per slot held; stops at the first failure (Redis away: the rest would fail too, each slowly). */
    void renew() {
        for (Map.Entry<String, String> e : held.entrySet()) {
            try {
                redis.execute(RENEW, List.of(e.getValue()), e.getKey(), Long.toString(ttl.toMillis()));
            } catch (RuntimeException ex) {
                LOG.debug("Slots not renewed this time: {}", ex.getMessage());
                return;
            }
        }
    }
}
