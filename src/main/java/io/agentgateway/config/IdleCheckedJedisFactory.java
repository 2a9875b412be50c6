package io.agentgateway.config;

import java.time.Duration;

import org.apache.commons.pool2.PooledObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.JedisFactory;

/**
 * Jedis's pool factory, with the check on borrow ({@code PING}) only for a connection that sat idle for
 * {@code pingAfterIdle} or longer. Jedis's own check PINGs on every borrow, which doubles the round trips of every
 * command the gateway sends. A connection handed back moments ago was working then; one that sat idle may be from
 * before a Redis restart or cut by something in between, and is the one worth checking (a failed check replaces it).
 */
final class IdleCheckedJedisFactory extends JedisFactory {

    private static final Logger LOG = LoggerFactory.getLogger(IdleCheckedJedisFactory.class);

    private final Duration pingAfterIdle;

    IdleCheckedJedisFactory(HostAndPort server, JedisClientConfig client, Duration pingAfterIdle) {
        super(server, client);
        this.pingAfterIdle = pingAfterIdle;
    }

    @Override
    public boolean validateObject(PooledObject<Jedis> pooled) {
        // the idle time is the time since it was last handed back (or made), also while it is being borrowed
        Jedis jedis = pooled.getObject();
        if (pooled.getIdleDuration().compareTo(pingAfterIdle) < 0) {
            return jedis.isConnected();
        }
        // Jedis's own check (super) logs each failed one as a WARN with its stack trace: after a Redis restart,
        // one for every pooled connection, for a failure this check exists to expect. (It also compares the
        // connection's address with the factory's, which only a Sentinel set-up can change; this one is standalone.)
        try {
            return jedis.isConnected() && "PONG".equals(jedis.ping());
        } catch (RuntimeException e) { // as Jedis's check: any failure means a connection not to use
            LOG.debug("A pooled Redis connection failed its check and is replaced: {}", e.getMessage());
            return false;
        }
    }
}
