package io.agentgateway.config;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import io.agentgateway.testing.RedisFixture;
import org.junit.jupiter.api.Test;
import org.springframework.data.redis.listener.ChannelTopic;
import redis.clients.jedis.Jedis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Against a real redis-server killed and started again: the container says "subscribed" only while a message
 * published to the watched channel reaches its listener, and refuses in between.
 */
class WatchedListenerContainerIT {

    private static final String CHANNEL = "gateway:replies:watched";

    @Test
    void subscribedOnlyWhileAPublishReachesTheListener() throws Exception {
        try (RedisFixture redis = RedisFixture.started()) {
            RedisBeans beans = RedisBeans.create(new GatewaySettings.Redis("127.0.0.1", redis.port(), 0,
                    Optional.empty()));
            WatchedListenerContainer container = beans.container();
            LinkedBlockingQueue<String> received = new LinkedBlockingQueue<>();
            container.watch(CHANNEL);
            container.addMessageListener((message, pattern) -> received.add(new String(message.getBody())),
                    new ChannelTopic(CHANNEL));
            assertThat(container.subscribed()).as("not started yet").isFalse();
            assertThatThrownBy(container::requireSubscribed).hasMessageContaining("not subscribed");
            container.start();
            try {
                await().atMost(Duration.ofSeconds(10)).until(container::subscribed);
                assertThat(beans.template().convertAndSend(CHANNEL, "one")).isEqualTo(1L);
                assertThat(received.poll(5, TimeUnit.SECONDS)).isEqualTo("one");

                redis.stop();
                await().atMost(Duration.ofSeconds(10)).until(() -> !container.subscribed());
                assertThatThrownBy(container::requireSubscribed).hasMessageContaining("Redis reconnecting");

                redis.start();
                // until the container has resubscribed, a PUBLISH reaches nobody: it must not say subscribed meanwhile
                long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
                long receivers = 0;
                while (System.nanoTime() < deadline) {
                    boolean said = container.subscribed();
                    try (Jedis direct = new Jedis("127.0.0.1", redis.port())) { // past the template's breaker
                        receivers = direct.publish(CHANNEL, "probe");
                    } catch (RuntimeException redisNotReadyYet) {
                        receivers = 0;
                    }
                    if (said) {
                        assertThat(receivers).as("said subscribed before the PUBLISH").isEqualTo(1L);
                        break;
                    }
                    Thread.sleep(20);
                }
                assertThat(container.subscribed()).as("subscribed again within 15 s").isTrue();
                container.requireSubscribed();
            } finally {
                container.stop();
                beans.factory().destroy();
            }
        }
    }
}
