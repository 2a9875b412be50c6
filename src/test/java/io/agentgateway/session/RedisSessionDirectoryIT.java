package io.agentgateway.session;

import java.time.Duration;
import java.util.List;

import io.agentgateway.testing.RedisClient;
import io.agentgateway.testing.RedisFixture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.data.redis.core.StringRedisTemplate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Whether another instance may be alive, on a real redis-server that loses its data: right after, no instance's
 * heartbeat is there, and none is taken for dead until live ones have had time to beat again.
 */
class RedisSessionDirectoryIT {

    private static final Duration TTL = Duration.ofSeconds(2);

    private RedisFixture redis;
    private RedisClient client;
    private StringRedisTemplate template;

    @BeforeEach
    void start() throws Exception {
        redis = RedisFixture.started();
        client = new RedisClient(redis);
        template = client.template();
    }

    @AfterEach
    void stop() throws Exception {
        client.close();
        redis.close();
    }

    private RedisSessionDirectory directory(String self) {
        return new RedisSessionDirectory(template, "t:", self, Duration.ofMinutes(5), TTL);
    }

    @Test
    void anInstanceIsNotTakenForDeadWhileRedisIsRebuildingButIsOnceThatIsOver() throws Exception {
        RedisSessionDirectory a = directory("a-1");
        RedisSessionDirectory b = directory("b-1");
        a.heartbeat(List::of);
        b.heartbeat(List::of);
        assertThat(b.mayBeAlive("a-1")).isTrue();

        template.execute((org.springframework.data.redis.core.RedisCallback<Object>) c -> {
            c.serverCommands().flushAll(); // Redis back empty, as after a restart without persistence
            return null;
        });
        assertThat(b.alive("a-1")).isFalse();
        assertThat(b.mayBeAlive("a-1")).as("before b's next beat").isTrue();
        b.heartbeat(List::of); // b sees the loss; a never beats again (it died meanwhile)
        assertThat(b.mayBeAlive("a-1")).as("within the rebuild window").isTrue();

        long deadline = System.nanoTime() + TTL.multipliedBy(5).toNanos();
        while (b.mayBeAlive("a-1") && System.nanoTime() < deadline) {
            b.heartbeat(List::of);
            Thread.sleep(100);
        }
        assertThat(b.mayBeAlive("a-1")).as("after the rebuild window, a did not beat").isFalse();
        a.heartbeat(List::of);
        assertThat(b.mayBeAlive("a-1")).isTrue();
    }
}
