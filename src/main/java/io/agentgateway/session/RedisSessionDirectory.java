package io.agentgateway.session;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;

import io.agentgateway.common.Durations;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.data.redis.connection.RedisStringCommands;
import org.springframework.data.redis.core.RedisCallback;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.core.types.Expiration;
import org.springframework.data.redis.core.script.DefaultRedisScript;

/**
 * {@link SessionDirectory} in Redis. {@code <prefix>{<session>}:holder} names the instance holding the session's
 * socket (the braces keep a session's keys in one Redis Cluster slot); {@code <prefix>instance:<id>} is each live
 * instance's heartbeat, refreshed by {@link #heartbeat()} and expiring {@code instanceTtl} after the instance died.
 * A holder whose heartbeat is gone counts as nobody.
 */
public class RedisSessionDirectory implements SessionDirectory {

    /** Deletes a key only if it still holds the given value (KEYS[1], ARGV[1]): a release that cannot undo another's. */
    public static final DefaultRedisScript<Long> DELETE_IF = new DefaultRedisScript<>(
            "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end",
            Long.class);

    /**
     * Sets KEYS[1] to ARGV[1] with a TTL of ARGV[2] ms and returns what it held: one atomic step, so that an instance
     * dying between the write and its TTL cannot leave an entry that never expires.
     */
    private static final DefaultRedisScript<String> CLAIM = new DefaultRedisScript<>(
            "local previous = redis.call('GET', KEYS[1]) "
            + "redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) "
            + "return previous", String.class);

    /**
     * KEYS[1] names the session's owner: 1 when it was unclaimed (now ARGV[1]'s, for ARGV[2] ms) or already ARGV[1]'s
     * (its TTL renewed), else 0. Atomic, so an entry expiring between the checks cannot refuse its own identity.
     */
    private static final DefaultRedisScript<Long> CLAIM_OWNER = new DefaultRedisScript<>(
            "local owner = redis.call('GET', KEYS[1]) "
            + "if owner == false then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1 end "
            + "if owner == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1 end "
            + "return 0", Long.class);

    private static final Logger LOG = LoggerFactory.getLogger(RedisSessionDirectory.class);

    private final StringRedisTemplate redis;
    private final String prefix;
    private final String self;
    private final Duration holderTtl;
    private final Duration instanceTtl;
    /** set after the first heartbeat; only the heartbeat thread writes it */
    private volatile boolean beaten;
    /** nanoTime the heartbeat last found this instance's entries gone; 0: never */
    private volatile long lostAt;
    /** set by {@link #leave()}: no heartbeat after it */
    private boolean left;

    /**
     * @param holderTtl   how long a holder entry lives without being claimed again (the session TTL)
     * @param instanceTtl how long after its last heartbeat an instance counts as dead
     */
    public RedisSessionDirectory(StringRedisTemplate redis, String prefix, String self, Duration holderTtl,
                                 Duration instanceTtl) {
        this.redis = redis;
        this.prefix = prefix;
        this.self = self;
        this.holderTtl = holderTtl;
        this.instanceTtl = instanceTtl;
    }

    public static String sessionKey(String prefix, String sessionId, String what) {
        return prefix + "{" + sessionId + "}:" + what;
    }

    private String holderKey(String sessionId) {
        return sessionKey(prefix, sessionId, "holder");
    }

    private String ownerKey(String sessionId) {
        return sessionKey(prefix, sessionId, "owner");
    }

    @Override
    public Optional<String> claim(String sessionId) {
        String previous = redis.execute(CLAIM, List.of(holderKey(sessionId)), self,
                Long.toString(holderTtl.toMillis()));
        return Optional.ofNullable(previous).filter(p -> !p.equals(self)).filter(this::alive);
    }

    @Override
    public void release(String sessionId) {
        redis.execute(DELETE_IF, List.of(holderKey(sessionId)), self);
    }

    @Override
    public boolean claimedHere(String sessionId) {
        return self.equals(redis.opsForValue().get(holderKey(sessionId)));
    }

    @Override
    public boolean responsive(String instanceId) {
        Long left = redis.getExpire(prefix + "instance:" + instanceId, TimeUnit.MILLISECONDS);
        return left != null && left > instanceTtl.toMillis() - beatEvery().toMillis() * 3 / 2;
    }

    /** How often {@link #heartbeat} should run: three beats per instance TTL. */
    public Duration beatEvery() {
        return Durations.renewEvery(instanceTtl);
    }

    @Override
    public Optional<String> holder(String sessionId) {
        return Optional.ofNullable(redis.opsForValue().get(holderKey(sessionId)))
                .filter(h -> !h.equals(self)).filter(this::alive);
    }

    /**
     * The session belongs to the identity that first claimed it, on any instance: true when it was unclaimed (now
     * claimed) or is the identity's own. Expires with the session (blocking: never on an event loop).
     */
    public boolean claimOwner(String sessionId, String identity) {
        Long own = redis.execute(CLAIM_OWNER, List.of(ownerKey(sessionId)), identity,
                Long.toString(holderTtl.toMillis()));
        return own != null && own == 1L;
    }

    /** The instance named by a session's answer lock, whose value is {@code <instance>|<n>} (chat/RedisTurnLocks). */
    public static String turnLockInstance(String lockValue) {
        int bar = lockValue.lastIndexOf('|');
        return bar < 0 ? lockValue : lockValue.substring(0, bar);
    }

    @Override
    public void releaseDeadTurn(String sessionId) {
        String key = sessionKey(prefix, sessionId, "turn");
        String streaming = redis.opsForValue().get(key);
        if (streaming == null) {
            return;
        }
        String instance = turnLockInstance(streaming);
        if (!instance.equals(self) && !alive(instance)) {
            redis.execute(DELETE_IF, List.of(key), streaming);
        }
    }

    @Override
    public Optional<String> answerStreamingElsewhere(String sessionId) {
        String streaming = redis.opsForValue().get(sessionKey(prefix, sessionId, "turn"));
        return Optional.ofNullable(streaming).map(RedisSessionDirectory::turnLockInstance).filter(i -> !i.equals(self));
    }

    /**
     * Says this instance is alive; call it more often than the instance TTL (blocking: never on an event loop).
     * When the heartbeat key was gone, Redis lost its data (restarted empty) or this instance was silent past its
     * TTL: either way the holder entries it wrote may be gone too, so those of {@code heldHere} (the sessions whose
     * streams are here) are put back, unless another instance has claimed one meanwhile; and so are their owners
     * ({@code ownerHere}), or another instance would open such a session for whoever asked first.
     */
    public synchronized void heartbeat(Supplier<Collection<String>> heldHere,
                                       Function<String, Optional<String>> ownerHere) {
        if (left) {
            return;
        }
        String key = prefix + "instance:" + self;
        if (!Boolean.TRUE.equals(redis.hasKey(key)) && beaten) {
            // noted before the key is back: whoever sees the key again (rebuilding) also sees this
            lostAt = System.nanoTime();
            LOG.warn("This instance's entries were gone from Redis (restarted empty, or this instance was silent "
                     + "past its TTL): putting its sessions' holder entries back");
        }
        redis.opsForValue().set(key, "1", instanceTtl);
        beaten = true;
        if (rebuildingSince(lostAt)) {
            // at every beat of the window: an entry another instance held for a moment (and gave back) is put back
            Collection<String> held = heldHere.get();
            redis.executePipelined((RedisCallback<Object>) connection -> {
                for (String sessionId : held) {
                    connection.stringCommands().set(holderKey(sessionId).getBytes(StandardCharsets.UTF_8),
                            self.getBytes(StandardCharsets.UTF_8), Expiration.from(holderTtl),
                            RedisStringCommands.SetOption.SET_IF_ABSENT);
                    ownerHere.apply(sessionId).ifPresent(owner -> connection.stringCommands().set(
                            ownerKey(sessionId).getBytes(StandardCharsets.UTF_8),
                            owner.getBytes(StandardCharsets.UTF_8), Expiration.from(holderTtl),
                            RedisStringCommands.SetOption.SET_IF_ABSENT));
                }
                return null;
            });
            LOG.debug("{} sessions' holder entries put back where missing", held.size());
        }
    }

    /**
     * This instance stops: its heartbeat key goes now rather than a TTL later, so that a client resuming one of its
     * sessions on another instance is served there at once instead of waiting for a handover from an instance that
     * will not send it (GATEWAY__HANDOVER_TIMEOUT). Its answers have ended by then, their finals saved.
     */
    public synchronized void leave() {
        left = true;
        redis.delete(prefix + "instance:" + self);
    }

    private boolean rebuildingSince(long at) {
        return at != 0 && System.nanoTime() - at < 2 * instanceTtl.toNanos();
    }

    /**
     * Within two instance TTLs of a loss seen by {@link #heartbeat} (by then every live instance has beaten since), or
     * this instance's own heartbeat key is gone now, a loss its next beat will see (blocking: asks Redis).
     */
    @Override
    public boolean rebuilding() {
        boolean gone = !alive(self); // asked first: see heartbeat
        return gone || rebuildingSince(lostAt);
    }

    /**
     * Whether the instance may be alive: its heartbeat is there, or Redis came back empty a moment ago and live
     * instances have not all beaten since ({@link #rebuilding()}). What an instance streams into a session here is
     * interrupted when it is not: right after a Redis restart every instance's heartbeat is gone for up to one beat
     * (blocking: not on an event loop).
     */
    public boolean mayBeAlive(String instanceId) {
        return alive(instanceId) || rebuilding();
    }

    /** Whether the instance's heartbeat is there (blocking: not on an event loop). */
    public boolean alive(String instanceId) {
        return Boolean.TRUE.equals(redis.hasKey(prefix + "instance:" + instanceId));
    }
}
