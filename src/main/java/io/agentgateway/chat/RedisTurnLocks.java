package io.agentgateway.chat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.agentgateway.session.RedisSessionDirectory;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.data.redis.core.StringRedisTemplate;

/**
 * {@link TurnLocks} in Redis: {@code <prefix>{<session>}:turn} names the instance streaming the session's answer. It
 * expires {@code ttl} after the instance stops renewing it (one timer for all its locks), so the lock of an instance
 * that died frees itself. When Redis cannot be asked, the turn goes ahead: one instance's own registry still holds.
 */
public class RedisTurnLocks implements TurnLocks {

    private static final Logger LOG = LoggerFactory.getLogger(RedisTurnLocks.class);

    private final StringRedisTemplate redis;
    private final String prefix;
    private final String self;
    private final Duration ttl;
    /**
     * Locks this instance holds, with how many of its turns hold each: a turn that has just sent its final may not
     * have let go yet when the client's next message starts the next turn here.
     */
    private final Map<String, Integer> held = new ConcurrentHashMap<>();

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

    /**
     * Lock and unlock of this instance run one at a time (their Redis calls included), so that a lock being released
     * here is never mistaken by the next turn here for another instance's.
     */
    @Override
    public boolean tryLock(String sessionId) {
        synchronized (held) {
            if (held.containsKey(sessionId)) {
                held.merge(sessionId, 1, Integer::sum); // ours already: this instance's registry keeps it to one
                return true;
            }
            boolean locked;
            try {
                locked = Boolean.TRUE.equals(redis.opsForValue().setIfAbsent(key(sessionId), self, ttl));
            } catch (RuntimeException e) {
                LOG.warn("Turn lock unavailable, the answer goes ahead: {}", e.getMessage());
                return true;
            }
            if (locked) {
                held.put(sessionId, 1);
            }
            return locked;
        }
    }

    @Override
    public void unlock(String sessionId) {
        synchronized (held) {
            Integer n = held.get(sessionId);
            if (n == null) {
                return;
            }
            if (n > 1) {
                held.put(sessionId, n - 1);
                return;
            }
            held.remove(sessionId);
            try {
                redis.execute(RedisSessionDirectory.DELETE_IF, List.of(key(sessionId)), self);
            } catch (RuntimeException e) {
                LOG.debug("Turn lock of {} not released (it expires): {}", sessionId, e.getMessage());
            }
        }
    }

    private void renew() {
        for (String sessionId : held.keySet()) {
            try {
                redis.expire(key(sessionId), ttl);
            } catch (RuntimeException e) {
                LOG.debug("Turn lock of {} not renewed: {}", sessionId, e.getMessage());
            }
        }
    }
}
