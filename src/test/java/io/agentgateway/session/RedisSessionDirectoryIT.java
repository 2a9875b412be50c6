package io.agentgateway.session;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import io.agentgateway.testing.RedisServerExtension;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.data.redis.core.StringRedisTemplate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Whether another instance may be alive, on a real redis-server that loses its data: right after, no instance's
 * heartbeat is there, and none is taken for dead until live ones have had time to beat again.
 */
class RedisSessionDirectoryIT {

    private static final Duration TTL = Duration.ofSeconds(2);

    @RegisterExtension
    final RedisServerExtension redisServer = new RedisServerExtension();
    private StringRedisTemplate template;

    @BeforeEach
    void start() throws Exception {
        template = redisServer.template();
    }

    private RedisSessionDirectory directory(String self) {
        return new RedisSessionDirectory(template, "t:", self, Duration.ofMinutes(5), TTL);
    }

    @Test
    void anInstanceIsNotTakenForDeadWhileRedisIsRebuildingButIsOnceThatIsOver() throws Exception {
        RedisSessionDirectory a = directory("a-1");
        RedisSessionDirectory b = directory("b-1");
        a.heartbeat(List::of, id -> Optional.empty());
        b.heartbeat(List::of, id -> Optional.empty());
        assertThat(b.mayBeAlive("a-1")).isTrue();

        template.execute((org.springframework.data.redis.core.RedisCallback<Object>) c -> {
            c.serverCommands().flushAll(); // Redis back empty, as after a restart without persistence
            return null;
        });
        assertThat(b.alive("a-1")).isFalse();
        assertThat(b.mayBeAlive("a-1")).as("before b's next beat").isTrue();
        b.heartbeat(List::of, id -> Optional.empty()); // b sees the loss; a never beats again (it died meanwhile)
        assertThat(b.mayBeAlive("a-1")).as("within the rebuild window").isTrue();

        long deadline = System.nanoTime() + TTL.multipliedBy(5).toNanos();
        while (b.mayBeAlive("a-1") && System.nanoTime() < deadline) {
            b.heartbeat(List::of, id -> Optional.empty());
            Thread.sleep(100);
        }
        assertThat(b.mayBeAlive("a-1")).as("after the rebuild window, a did not beat").isFalse();
        a.heartbeat(List::of, id -> Optional.empty());
        assertThat(b.mayBeAlive("a-1")).isTrue();
    }

    @Test
    void afterRedisLostItsDataTheHeartbeatPutsBackTheOwnersOfTheSessionsHeldHere() {
        RedisSessionDirectory a = directory("a-1");
        RedisSessionDirectory b = directory("b-1");
        a.heartbeat(List::of, id -> Optional.empty());
        assertThat(a.claim("kept")).isEmpty();
        assertThat(a.claimOwner("kept", "app-a")).isTrue();

        template.execute((org.springframework.data.redis.core.RedisCallback<Object>) c -> {
            c.serverCommands().flushAll(); // Redis back empty
            return null;
        });
        // a's next beat sees the loss and puts back what it holds: the holder entry and the owner
        a.heartbeat(() -> List.of("kept"), id -> id.equals("kept") ? Optional.of("app-a") : Optional.empty());
        assertThat(b.claimOwner("kept", "app-b")).as("another identity, on another instance").isFalse();
        assertThat(b.claimOwner("kept", "app-a")).isTrue();
    }

    @Test
    void aClaimHandsTheHolderEntryOverWithTheSessionTtlAndNamesTheLiveInstanceItTookItFrom() {
        RedisSessionDirectory a = directory("a-1");
        RedisSessionDirectory b = directory("b-1");
        a.heartbeat(List::of, id -> Optional.empty());
        assertThat(a.claim("s1")).as("unclaimed").isEmpty();
        assertThat(a.claim("s1")).as("already its own").isEmpty();
        assertThat(b.claim("s1")).contains("a-1");
        assertThat(b.claimedHere("s1")).isTrue();
        assertThat(a.claimedHere("s1")).isFalse();
        assertThat(template.getExpire("t:{s1}:holder", TimeUnit.MILLISECONDS)).as("the holder entry's TTL")
                .isBetween(Duration.ofMinutes(4).toMillis(), Duration.ofMinutes(5).toMillis());
        assertThat(a.claim("s1")).as("b-1 never beat: taken for dead").isEmpty();
    }

    @Test
    void aSessionBelongsToTheFirstIdentityOnAnyInstanceAndItsOwnerEntryExpiresWithTheSession() {
        RedisSessionDirectory a = directory("a-1");
        RedisSessionDirectory b = directory("b-1");
        assertThat(a.claimOwner("s2", "alice")).isTrue();
        template.expire("t:{s2}:owner", Duration.ofSeconds(30));
        assertThat(b.claimOwner("s2", "alice")).as("her own, from another instance").isTrue();
        assertThat(template.getExpire("t:{s2}:owner", TimeUnit.MILLISECONDS)).as("renewed to the session TTL")
                .isGreaterThan(Duration.ofMinutes(4).toMillis());
        assertThat(b.claimOwner("s2", "mallory")).isFalse();
        assertThat(template.opsForValue().get("t:{s2}:owner")).isEqualTo("alice");
        template.delete("t:{s2}:owner"); // expired
        assertThat(b.claimOwner("s2", "mallory")).as("once the session is forgotten").isTrue();
        assertThat(template.getExpire("t:{s2}:owner", TimeUnit.MILLISECONDS)).isGreaterThan(0L);
    }
}
