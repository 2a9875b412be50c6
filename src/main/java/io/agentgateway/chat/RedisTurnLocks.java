package io.agentgateway.chat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

import io.agentgateway.common.Durations;
import io.agentgateway.common.OutageLog;
import io.agentgateway.common.Pools;
import io.agentgateway.common.Stripes;
import io.agentgateway.session.RedisSessionDirectory;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.data.redis.core.StringRedisTemplate;

/**
 * {@link TurnLocks} in Redis: {@code <prefix>{<session>}:turn} holds {@code <instance>|<n>}, the instance streaming the
 * session's answer and which of its locks this is. It expires {@code ttl} after the instance stops renewing it (one
 * timer for all its locks), and a lock whose instance's heartbeat is gone is taken over at once: the lock of an
 * instance that died never holds its session up, yet it stays long enough to tell an instance carrying the session on
 * from the store that an answer was streaming (which the store may not show). When Redis cannot be asked, the turn
 * goes ahead: one instance's own registry still holds.
 * <p>
 * Unlocking never blocks (a turn ends on an event loop): the lock is deleted on a worker, and only if it is still
 * that one ({@code <n>}), so a turn that starts here meanwhile takes over the lock being deleted rather than being
 * refused by its own instance's previous answer.
 */
public class RedisTurnLocks implements TurnLocks {

    private static final Logger LOG = LoggerFactory.getLogger(RedisTurnLocks.class);

    private final StringRedisTemplate redis;
    private final String prefix;
    private final String self;
    private final Duration ttl;
    private final Predicate<String> alive;
    private final AtomicLong counter = new AtomicLong();
    /** where renewals and releases ask Redis: never an event loop */
    private final Executor worker;
    private final OutageLog outage = new OutageLog(LOG, "Turn lock unavailable, the answer goes ahead",
            "Turn locks work again");
    /**
     * Locks this instance holds, with how many of its turns hold each: a turn that has just sent its final may not
     * have let go yet when the client's next message starts the next turn here.
     */
    private final Map<String, Held> held = new ConcurrentHashMap<>();
    /** One session's tryLocks run one at a time (their Redis calls included); sessions do not wait for each other. */
    private final Stripes stripes = new Stripes(256);

    private record Held(String value, int turns) {
    }

    /** @param alive whether an instance's heartbeat is there (blocking: asks Redis) */
    public RedisTurnLocks(Vertx vertx, StringRedisTemplate redis, String prefix, String self, Duration ttl,
                          Predicate<String> alive) {
        this.alive = alive;
        this.redis = redis;
        this.prefix = prefix;
        this.self = self;
        this.ttl = ttl;
        this.worker = Pools.vertxWorker(vertx);
        Pools.everyOnWorker(vertx, Durations.renewEvery(ttl).toMillis(), this::renew);
    }

    private String key(String sessionId) {
        return RedisSessionDirectory.sessionKey(prefix, sessionId, "turn");
    }

    /** Blocking (Redis): on a worker or a socket's lane, never an event loop. */
    @Override
    public boolean tryLock(String sessionId) {
        synchronized (stripes.of(sessionId)) {
            if (held.computeIfPresent(sessionId, (id, h) -> new Held(h.value(), h.turns() + 1)) != null) {
                return true; // ours already: this instance's registry keeps it to one
            }
            String value = self + "|" + counter.incrementAndGet();
            try {
                boolean locked = Boolean.TRUE.equals(redis.opsForValue().setIfAbsent(key(sessionId), value, ttl));
                if (!locked) {
                    String current = redis.opsForValue().get(key(sessionId));
                    if (current == null) {
                        locked = Boolean.TRUE.equals(redis.opsForValue().setIfAbsent(key(sessionId), value, ttl));
                    } else if (!alive.test(RedisSessionDirectory.turnLockInstance(current))) {
                        // its instance died: its answer will not end, and nothing else frees the session sooner
                        redis.execute(RedisSessionDirectory.DELETE_IF, List.of(key(sessionId)), current);
                        locked = Boolean.TRUE.equals(redis.opsForValue().setIfAbsent(key(sessionId), value, ttl));
                    } else if (RedisSessionDirectory.turnLockInstance(current).equals(self)) {
                        // this instance's previous lock, its delete not run yet: taken over, so that delete misses
                        locked = Boolean.TRUE.equals(redis.opsForValue().setIfPresent(key(sessionId), value, ttl))
                                 || Boolean.TRUE.equals(redis.opsForValue().setIfAbsent(key(sessionId), value, ttl));
                    }
                }
                if (locked) {
                    held.put(sessionId, new Held(value, 1));
                }
                outage.succeeded();
                return locked;
            } catch (RuntimeException e) {
                outage.failed(e.getMessage());
                return true;
            }
        }
    }

    /** Never blocks: callable from an event loop. */
    @Override
    public void unlock(String sessionId) {
        Held[] released = new Held[1];
        held.computeIfPresent(sessionId, (id, h) -> {
            if (h.turns() > 1) {
                return new Held(h.value(), h.turns() - 1);
            }
            released[0] = h;
            return null;
        });
        if (released[0] == null) {
            return;
        }
        String value = released[0].value();
        worker.execute(() -> {
            try {
                redis.execute(RedisSessionDirectory.DELETE_IF, List.of(key(sessionId)), value);
            } catch (RuntimeException e) {
                LOG.debug("Turn lock of {} not released (it expires): {}", sessionId, e.getMessage());
            }
        });
    }

    /** One EXPIRE per lock held; stops at the first failure (Redis away: the rest would fail too, each slowly). */
    void renew() {
        for (String sessionId : held.keySet()) {
            try {
                redis.expire(key(sessionId), ttl);
            } catch (RuntimeException e) {
                LOG.debug("Turn locks not renewed this time, from {}: {}", sessionId, e.getMessage());
                return;
            }
        }
    }
}
