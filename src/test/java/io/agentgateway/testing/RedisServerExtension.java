package io.agentgateway.testing;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.connection.jedis.JedisConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;

/**
 * A fresh redis-server on a free port for each test, and the gateway's kind of client to it, closed after the test
 * (after the test class's own {@code @AfterEach}, so a test's subscribers go first). Register it with
 * {@code @RegisterExtension}.
 */
public final class RedisServerExtension implements BeforeEachCallback, AfterEachCallback {

    private RedisFixture server;
    private RedisClient client;

    @Override
    public void beforeEach(ExtensionContext context) throws Exception {
        server = RedisFixture.started();
        client = new RedisClient(server);
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        try {
            client.close();
        } finally {
            server.close();
        }
    }

    /** The server, which a test may stop (as a crash would) and start again on the same port. */
    public RedisFixture server() {
        return server;
    }

    public StringRedisTemplate template() {
        return client.template();
    }

    /** A template on this server that counts the connections it asks for (each command asks for one). */
    public StringRedisTemplate countingTemplate(AtomicInteger connections) {
        JedisConnectionFactory factory = factory();
        RedisConnectionFactory counted = (RedisConnectionFactory) Proxy.newProxyInstance(
                getClass().getClassLoader(), new Class<?>[] {RedisConnectionFactory.class}, (proxy, method, args) -> {
                    if (method.getName().equals("getConnection")) {
                        connections.incrementAndGet();
                    }
                    try {
                        return method.invoke(factory, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        return new StringRedisTemplate(counted);
    }

    public JedisConnectionFactory factory() {
        return client.factory();
    }
}
