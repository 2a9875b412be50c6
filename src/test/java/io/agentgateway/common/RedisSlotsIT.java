package io.agentgateway.common;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import io.agentgateway.testing.RedisServerExtension;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;

/** The renewal of the slots an instance holds, against a real redis-server that then goes away. */
class RedisSlotsIT {

    @RegisterExtension
    final RedisServerExtension redisServer = new RedisServerExtension();
    private final Vertx vertx = Vertx.vertx();

    @AfterEach
    void stop() {
        vertx.close();
    }

    @Test
    void aRenewalRoundEndsAtTheFirstFailureRatherThanTryEverySlotWhileRedisIsAway() throws Exception {
        AtomicInteger connections = new AtomicInteger();
        // a TTL of minutes: the periodic renewal does not come within the test
        RedisSlots slots = new RedisSlots(vertx, redisServer.countingTemplate(connections), Duration.ofMinutes(10));
        for (int i = 0; i < 10; i++) {
            assertThat(slots.tryAcquire("slots:" + i, 5)).isPresent();
        }
        connections.set(0);
        slots.renew();
        assertThat(connections.get()).as("one renewal per slot").isEqualTo(10);

        redisServer.server().stop();
        connections.set(0);
        slots.renew();
        assertThat(connections.get()).as("Redis away: one try, not one per slot (each would wait for its timeout)")
                .isEqualTo(1);
    }
}
