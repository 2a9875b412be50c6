package io.agentgateway.chat;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.agentgateway.session.RedisSessionDirectory;
import io.agentgateway.testing.RedisServerExtension;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.data.redis.core.StringRedisTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * One answer at a time per session across instances, on a real redis-server: two instances' locks, the release that
 * runs off the caller's thread, and a turn that starts on the same instance while its previous lock is being released.
 */
class RedisTurnLocksIT {

    @RegisterExtension
    final RedisServerExtension redisServer = new RedisServerExtension();
    private StringRedisTemplate template;
    private final Vertx vertx = Vertx.vertx();
    /** instances whose heartbeat is gone */
    private final java.util.Set<String> dead = java.util.concurrent.ConcurrentHashMap.newKeySet();

    @BeforeEach
    void start() throws Exception {
        template = redisServer.template();
    }

    @AfterEach
    void stop() throws Exception {
        vertx.close();
    }

    private RedisTurnLocks locks(String instance) {
        return new RedisTurnLocks(vertx, template, "t:", instance, Duration.ofSeconds(10), i -> !dead.contains(i));
    }

    @Test
    void aRenewalRoundEndsAtTheFirstFailureRatherThanTryEveryLockWhileRedisIsAway() throws Exception {
        AtomicInteger connections = new AtomicInteger();
        // a TTL of minutes: the periodic renewal does not come within the test
        RedisTurnLocks locks = new RedisTurnLocks(vertx, redisServer.countingTemplate(connections), "t:", "a",
                Duration.ofMinutes(10), i -> true);
        for (int i = 0; i < 10; i++) {
            assertThat(locks.tryLock("renewed-" + i)).isTrue();
        }
        connections.set(0);
        locks.renew();
        assertThat(connections.get()).as("one EXPIRE per lock").isEqualTo(10);

        redisServer.server().stop();
        connections.set(0);
        locks.renew();
        assertThat(connections.get()).as("Redis away: one try, not one per lock (each would wait for its timeout)")
                .isEqualTo(1);
    }

    @Test
    void theLockOfAnInstanceThatDiedIsTakenOverNotWaitedOut() {
        RedisTurnLocks a = locks("a-1");
        RedisTurnLocks b = locks("b-1");
        assertThat(a.tryLock("s")).isTrue();
        assertThat(b.tryLock("s")).isFalse();
        dead.add("a-1"); // killed: it will never unlock, and its lock would hold the session for its whole TTL
        assertThat(template.opsForValue().get("t:{s}:turn")).as("still says a-1 was streaming").startsWith("a-1|");
        assertThat(b.tryLock("s")).isTrue();
        assertThat(template.opsForValue().get("t:{s}:turn")).startsWith("b-1|");
    }

    @Test
    void aSessionStreamsOnOneInstanceAtATimeAndIsFreeOnceReleased() {
        RedisTurnLocks a = locks("a-1");
        RedisTurnLocks b = locks("b-1");
        assertThat(a.tryLock("s")).isTrue();
        assertThat(b.tryLock("s")).isFalse();
        assertThat(b.tryLock("other")).isTrue();
        assertThat(template.opsForValue().get("t:{s}:turn")).startsWith("a-1|");

        a.unlock("s");
        await().atMost(Duration.ofSeconds(5)).until(() -> b.tryLock("s"));
        assertThat(RedisSessionDirectory.turnLockInstance(template.opsForValue().get("t:{s}:turn"))).isEqualTo("b-1");
    }

    @Test
    void theNextTurnHereTakesOverTheLockBeingReleasedAndItsDeleteMissesTheNewLock() throws Exception {
        RedisTurnLocks a = locks("a-1");
        RedisTurnLocks b = locks("b-1");
        assertThat(a.tryLock("s")).isTrue();
        // the release from an event loop returns at once; the delete runs on a worker
        CompletableFuture<Long> unlockMillis = new CompletableFuture<>();
        vertx.runOnContext(v -> {
            long t0 = System.nanoTime();
            a.unlock("s");
            unlockMillis.complete((System.nanoTime() - t0) / 1_000_000);
        });
        assertThat(a.tryLock("s")).as("the client's next question, at once").isTrue();
        assertThat(unlockMillis.get(5, TimeUnit.SECONDS)).isLessThan(50);

        // whenever the first delete runs, the second lock stays
        Thread.sleep(300);
        assertThat(b.tryLock("s")).isFalse();
        assertThat(template.opsForValue().get("t:{s}:turn")).startsWith("a-1|");
        a.unlock("s");
        await().atMost(Duration.ofSeconds(5)).until(() -> template.opsForValue().get("t:{s}:turn") == null);
    }

    @Test
    void twoTurnsOfOneInstanceHoldTheLockUntilBothLetGo() {
        RedisTurnLocks a = locks("a-1");
        RedisTurnLocks b = locks("b-1");
        assertThat(a.tryLock("s")).isTrue();
        assertThat(a.tryLock("s")).isTrue();
        a.unlock("s");
        assertThat(b.tryLock("s")).isFalse();
        a.unlock("s");
        await().atMost(Duration.ofSeconds(5)).until(() -> b.tryLock("s"));
    }
}
