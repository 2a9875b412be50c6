package io.agentgateway.config;

import java.time.Duration;

import org.apache.camel.Service;
import org.apache.camel.spi.Registry;
import org.apache.camel.support.service.ServiceSupport;
import org.apache.commons.pool2.impl.GenericObjectPoolConfig;
import org.springframework.core.task.SimpleAsyncTaskExecutor;
import org.springframework.core.task.SyncTaskExecutor;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.jedis.JedisClientConfiguration;
import org.springframework.data.redis.connection.jedis.JedisConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.serializer.StringRedisSerializer;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.JedisPool;
import redis.clients.jedis.util.Pool;

/**
 * The Redis client beans the spring-redis endpoints refer to. Built only when Redis is configured (by
 * {@link RedisSharing}): the routes that use them load only then (their preconditions on {@code redis.host}).
 *
 * @param container shared by every SUBSCRIBE endpoint. It dispatches on the subscription thread (a SyncTaskExecutor),
 *                  which keeps replies in the order Redis delivered them (the default executor starts a thread per
 *                  message), and resubscribes by itself after Redis comes back.
 */
public record RedisBeans(JedisConnectionFactory factory, StringRedisTemplate template,
                         WatchedListenerContainer container) {

    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(5);
    /** A pooled connection idle this long is PINGed before it is used (IdleCheckedJedisFactory). */
    static final Duration PING_AFTER_IDLE = Duration.ofSeconds(1);
    /** After a call could not reach Redis, calls fall back at once; this often a PING checks whether it is back. */
    static final Duration RETRY_EVERY = Duration.ofSeconds(1);

    static RedisBeans create(GatewaySettings.Redis redis) {
        return create(redis, PING_AFTER_IDLE);
    }

    static RedisBeans create(GatewaySettings.Redis redis, Duration pingAfterIdle) {
        RedisStandaloneConfiguration server = new RedisStandaloneConfiguration(redis.host(), redis.port());
        server.setDatabase(redis.db());
        redis.password().ifPresent(server::setPassword);
        GenericObjectPoolConfig<Jedis> pool = new GenericObjectPoolConfig<>();
        pool.setMaxTotal(64);
        // a connection from before a Redis restart is replaced, not used and failed; checked only after it sat idle
        pool.setTestOnBorrow(true);
        JedisClientConfiguration client = JedisClientConfiguration.builder()
                .connectTimeout(CONNECT_TIMEOUT)
                .readTimeout(READ_TIMEOUT)
                .usePooling().poolConfig(pool)
                .build();
        JedisClientConfig jedisClient = DefaultJedisClientConfig.builder()
                .connectionTimeoutMillis((int) CONNECT_TIMEOUT.toMillis())
                .socketTimeoutMillis((int) READ_TIMEOUT.toMillis())
                .database(redis.db())
                .password(redis.password().orElse(null))
                .build();
        JedisConnectionFactory factory = new JedisConnectionFactory(server, client) {
            @Override
            protected Pool<Jedis> createRedisPool() {
                return new JedisPool(getPoolConfig(), new IdleCheckedJedisFactory(
                        new HostAndPort(redis.host(), redis.port()), jedisClient, pingAfterIdle));
            }
        };
        factory.afterPropertiesSet();
        factory.start();
        StringRedisTemplate template = new GuardedRedisTemplate(factory,
                new RedisBreaker(RETRY_EVERY, System::nanoTime));
        WatchedListenerContainer container = new WatchedListenerContainer();
        container.setConnectionFactory(factory);
        container.setTaskExecutor(new SyncTaskExecutor());
        // the blocking SUBSCRIBE loop needs a thread of its own, or it runs on (and blocks) whoever starts it
        container.setSubscriptionExecutor(new SimpleAsyncTaskExecutor("redis-subscription-"));
        container.setRecoveryInterval(1000);
        container.afterPropertiesSet();
        return new RedisBeans(factory, template, container);
    }

    void bind(Registry registry) {
        registry.bind("redisConnectionFactory", factory);
        registry.bind("redisTemplate", template);
        registry.bind("redisStringSerializer", new StringRedisSerializer());
        registry.bind("redisListenerContainer", container);
    }

    /** Starts the subscription container with the routes and closes the connections at shutdown. */
    Service lifecycle() {
        return new ServiceSupport() {
            @Override
            protected void doStart() {
                container.start();
            }

            @Override
            protected void doStop() throws Exception {
                container.stop();
                container.destroy();
                factory.destroy();
            }
        };
    }
}
