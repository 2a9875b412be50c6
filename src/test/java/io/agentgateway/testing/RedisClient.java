package io.agentgateway.testing;

import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.jedis.JedisConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;

/** The gateway's kind of Redis client (Spring Data Redis on Jedis) for a test's redis-server. */
public final class RedisClient implements AutoCloseable {

    private final JedisConnectionFactory factory;
    private final StringRedisTemplate template;

    public RedisClient(RedisFixture redis) {
        factory = new JedisConnectionFactory(new RedisStandaloneConfiguration("127.0.0.1", redis.port()));
        factory.afterPropertiesSet();
        factory.start();
        template = new StringRedisTemplate(factory);
    }

    public JedisConnectionFactory factory() {
        return factory;
    }

    public StringRedisTemplate template() {
        return template;
    }

    @Override
    public void close() {
        factory.destroy();
    }
}
