package io.agentgateway.chat;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import io.agentgateway.session.RedisSessionDirectory;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.core.script.DefaultRedisScript;

/**
 * {@link TurnLocks} in Redis: {@code <prefix>{<session>}:turn} names the instance streaming the session's answer. It
 * expires {@code ttl} after the instance stops renewing it (one timer for all its locks), so the lock of an instance
 * that died frees itself. When Redis cannot be asked, the turn goes ahead: one instance's own registry still holds.
 */
public class RedisTurnLocks implements TurnLocks {

    private static final Logger LOG = LoggerFactory.getLogger(RedisTurnLocks.class);
    private static final DefaultRedisScript<Long> DELETE_IF = new DefaultRedisScript<>(
            "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end",
            Long.class);

    private final StringRedisTemplate redis;
    private final String prefix;
    private final String self;
    private final Duration ttl;
    private final Set<String> held = ConcurrentHashMap.newKeySet();

    public RedisTurnLocks(Vertx vertx, StringRedisTemplate redis, String prefix, String self, Duration ttl) {
        this.redis = redis;
        this.prefix = prefix;
        this.self = self;
        this.ttl = ttl;
        vertx.setPeriodic(Math.max(200, ttl.toMillis() / 3), id -> {
            if (!held.isEmpty()) {
                vertx.executeBlocking(() -> {
                    renew();
                    return null;
                }, false);
            }
        });
    }

    private String key(String sessionId) {
        return RedisSessionDirectory.sessionKey(prefix, sessionId, "turn");
    }

    @Override
    public boolean tryLock(String sessionId) {
        try {
            boolean locked = Boolean.TRUE.equals(redis.opsForValue().setIfAbsent(key(sessionId), self, ttl));
            if (locked) {
                held.add(sessionId);
            }
            return locked;
        } catch (RuntimeException e) {
            LOG.warn("Turn lock unavailable, the answer goes ahead: {}", e.getMessage());
            return true;
        }
    }

    @Override
    public void unlock(String sessionId) {
        if (held.remove(sessionId)) {
            try {
                redis.execute(DELETE_IF, List.of(key(sessionId)), self);
            } catch (RuntimeException e) {
                LOG.debug("Turn lock of {} not released (it expires): {}", sessionId, e.getMessage());
            }
        }
    }

    private void renew() {
        for (String sessionId : held) {
            try {
                redis.expire(key(sessionId), ttl);
            } catch (RuntimeException e) {
                LOG.debug("Turn lock of {} not renewed: {}", sessionId, e.getMessage());
            }
        }
    }
}
