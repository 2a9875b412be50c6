package io.agentgateway.session;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.stream.IntStream;

import io.agentgateway.testing.RedisServerExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.listener.ChannelTopic;
import org.springframework.data.redis.listener.RedisMessageListenerContainer;
import org.springframework.core.task.SimpleAsyncTaskExecutor;
import org.springframework.core.task.SyncTaskExecutor;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Messages between instances on a real redis-server that is stopped and started again: what is sent while it is
 * down (or before the addressee has subscribed again) arrives, in order; an instance that does not listen holds up
 * nobody else's messages; and what waits is bounded.
 */
class RedisInstanceRelayIT {

    private static final String PREFIX = "t:";

    @RegisterExtension
    final RedisServerExtension redisServer = new RedisServerExtension();
    private StringRedisTemplate template;
    private RedisMessageListenerContainer subscriptions;
    private final ScheduledExecutorService publisher = Executors.newSingleThreadScheduledExecutor();
    private final List<String> received = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws Exception {
        template = redisServer.template();
        // the live instance "b", subscribed as the gateway is: again after a Redis restart
        subscriptions = new RedisMessageListenerContainer();
        subscriptions.setConnectionFactory(redisServer.factory());
        subscriptions.setTaskExecutor(new SyncTaskExecutor()); // in order, as the gateway's (RedisBeans)
        subscriptions.setSubscriptionExecutor(new SimpleAsyncTaskExecutor("test-subscription-"));
        subscriptions.setRecoveryInterval(200);
        subscriptions.addMessageListener((message, pattern) -> received.add(new String(message.getBody())),
                new ChannelTopic(RedisInstanceRelay.channel(PREFIX, "b")));
        subscriptions.afterPropertiesSet();
        subscriptions.start();
        awaitSubscribed();
    }

    @AfterEach
    void stop() throws Exception {
        publisher.shutdownNow();
        subscriptions.destroy();
    }

    private RedisInstanceRelay relay(Duration retryFor, int maxQueued) {
        return new RedisInstanceRelay(template, PREFIX, publisher, retryFor, maxQueued);
    }

    @Test
    void messagesSentWhileRedisIsDownArriveInOrderOnceItIsBack() throws Exception {
        RedisInstanceRelay relay = relay(Duration.ofSeconds(20), 1000);
        relay.send("b", "m0");
        await(() -> received.size() == 1, Duration.ofSeconds(5));

        redisServer.server().stop();
        IntStream.rangeClosed(1, 20).forEach(i -> relay.send("b", "m" + i));
        Thread.sleep(300); // tried and failed meanwhile
        redisServer.server().start();

        await(() -> received.size() == 21, Duration.ofSeconds(15));
        assertThat(received).containsExactlyElementsOf(IntStream.rangeClosed(0, 20).mapToObj(i -> "m" + i).toList());
    }

    @Test
    void anInstanceThatDoesNotListenHoldsUpNobodyElse() throws Exception {
        RedisInstanceRelay relay = relay(Duration.ofSeconds(30), 1000);
        IntStream.range(0, 5).forEach(i -> relay.send("gone", "lost" + i));
        long sent = System.nanoTime();
        relay.send("b", "for-b");
        await(() -> received.contains("for-b"), Duration.ofSeconds(5));
        assertThat(Duration.ofNanos(System.nanoTime() - sent)).isLessThan(Duration.ofSeconds(1));
    }

    @Test
    void aMessageThatCannotBeMadeIsDroppedAndHoldsUpNothingBehindIt() throws Exception {
        RedisInstanceRelay relay = relay(Duration.ofSeconds(20), 1000);
        relay.send("b", () -> {
            throw new IllegalStateException("cannot be written");
        });
        relay.send("b", "after");
        await(() -> received.contains("after"), Duration.ofSeconds(5));
        relay.send("b", "and on");
        await(() -> received.contains("and on"), Duration.ofSeconds(5));
        assertThat(received).containsExactly("after", "and on");
    }

    @Test
    void atMostMaxQueuedMessagesWait() throws Exception {
        RedisInstanceRelay relay = relay(Duration.ofSeconds(20), 5);
        redisServer.server().stop();
        IntStream.range(0, 10).forEach(i -> relay.send("b", "m" + i));
        redisServer.server().start();
        await(() -> received.size() >= 5, Duration.ofSeconds(15));
        Thread.sleep(500); // nothing more comes
        assertThat(received).containsExactly("m0", "m1", "m2", "m3", "m4");
    }

    /** A probe message until one arrives: the subscription is up. */
    private void awaitSubscribed() throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            Long receivers = template.convertAndSend(RedisInstanceRelay.channel(PREFIX, "b"), "probe");
            if (receivers != null && receivers > 0) {
                await(() -> received.contains("probe"), Duration.ofSeconds(5));
                received.clear();
                return;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no subscription within 10 s");
    }

    private static void await(java.util.function.BooleanSupplier condition, Duration within) throws Exception {
        long deadline = System.nanoTime() + within.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + within);
            }
            Thread.sleep(20);
        }
    }
}
