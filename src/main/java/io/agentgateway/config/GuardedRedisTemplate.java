package io.agentgateway.config;

import org.springframework.data.redis.RedisConnectionFailureException;
import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.core.RedisCallback;
import org.springframework.data.redis.core.StringRedisTemplate;

/**
 * The template every Redis call of the gateway goes through (its beans, the spring-redis endpoints), behind a
 * {@link RedisBreaker}: while Redis is failing, a call fails at once with the exception a failed connection gives, so
 * the caller's fallback (and its outage log) runs without waiting for a time-out. Whether Redis answers again is
 * checked by a PING on a thread of its own, at most once a {@code retryEvery}, started by a refused call. Every command
 * of a template, scripts and pipelines included, comes through {@link #execute(RedisCallback, boolean, boolean)}.
 */
final class GuardedRedisTemplate extends StringRedisTemplate {

    private final RedisBreaker breaker;

    GuardedRedisTemplate(RedisConnectionFactory factory, RedisBreaker breaker) {
        super(factory);
        this.breaker = breaker;
    }

    @Override
    public <T> T execute(RedisCallback<T> action, boolean exposeConnection, boolean pipeline) {
        if (!breaker.allow()) {
            if (breaker.probeDue()) {
                Thread probe = new Thread(this::probe, "redis-probe"); // only while Redis is failing
                probe.setDaemon(true);
                probe.start();
            }
            throw new RedisConnectionFailureException("Redis did not answer lately; not asked until it answers a PING");
        }
        T result;
        try {
            result = super.execute(action, exposeConnection, pipeline);
        } catch (RedisConnectionFailureException e) {
            breaker.failed();
            throw e;
        } catch (RuntimeException e) {
            breaker.succeeded(); // Redis answered, with an error
            throw e;
        }
        breaker.succeeded();
        return result;
    }

    private void probe() {
        try {
            super.execute((RedisCallback<String>) RedisConnection::ping, true, false);
            breaker.succeeded();
        } catch (RuntimeException e) {
            breaker.failed();
        }
    }
}
