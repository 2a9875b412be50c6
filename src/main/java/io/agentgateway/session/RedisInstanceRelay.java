package io.agentgateway.session;

import java.util.concurrent.ExecutorService;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.data.redis.core.StringRedisTemplate;

/**
 * {@link InstanceRelay} over Redis PUBLISH to {@code <prefix>relay:<instance>}. Every message goes out through one
 * single-threaded executor, so the messages one instance sends another are published, and so delivered, in order.
 */
public class RedisInstanceRelay implements InstanceRelay {

    private static final Logger LOG = LoggerFactory.getLogger(RedisInstanceRelay.class);

    private final StringRedisTemplate redis;
    private final String prefix;
    private final ExecutorService publisher;

    /** @param publisher a single-threaded executor: the order of sends is the order of publishes */
    public RedisInstanceRelay(StringRedisTemplate redis, String prefix, ExecutorService publisher) {
        this.redis = redis;
        this.prefix = prefix;
        this.publisher = publisher;
    }

    public static String channel(String prefix, String instanceId) {
        return prefix + "relay:" + instanceId;
    }

    @Override
    public void send(String instanceId, String json) {
        publisher.execute(() -> {
            try {
                redis.convertAndSend(channel(prefix, instanceId), json);
            } catch (RuntimeException e) {
                LOG.warn("Could not relay a message to instance {}: {}", instanceId, e.getMessage());
            }
        });
    }
}
