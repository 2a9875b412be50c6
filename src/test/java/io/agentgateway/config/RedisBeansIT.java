package io.agentgateway.config;

import java.time.Duration;
import java.util.Optional;
import java.util.Properties;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.agentgateway.testing.RedisFixture;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.springframework.data.redis.RedisConnectionFailureException;
import org.springframework.data.redis.core.RedisCallback;
import org.springframework.data.redis.core.StringRedisTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The pool's check on borrow, against a real redis-server: no PING for a connection in steady use, a PING (and a
 * fresh connection if it fails) for one that sat idle, so a connection from before a Redis restart is not used.
 */
class RedisBeansIT {

    @Test
    void aConnectionInSteadyUseIsNotPingedBeforeEachCommand() throws Exception {
        withPool(Duration.ofSeconds(30), (redis, template) -> {
            template.execute((RedisCallback<Object>) c -> {
                c.serverCommands().resetConfigStats();
                return null;
            });
            for (int i = 0; i < 200; i++) {
                template.opsForList().leftPush("jobs", "job " + i);
            }
            assertThat(template.opsForList().size("jobs")).isEqualTo(200);
            assertThat(calls(template, "ping")).isZero();
            assertThat(calls(template, "lpush")).isEqualTo(200);
        });
    }

    @Test
    void aConnectionThatSatIdleIsPingedAndReplacedWhenRedisRestartedMeanwhile() throws Exception {
        withPool(Duration.ofMillis(200), (redis, template) -> {
            template.opsForValue().set("k", "before");
            redis.stop();
            redis.start(); // empty, and the pooled connection is now dead
            Thread.sleep(300); // idle longer than the threshold: that is the condition under test, not a wait

            Logger jedis = (Logger) LoggerFactory.getLogger("redis.clients.jedis");
            ListAppender<ILoggingEvent> lines = new ListAppender<>();
            lines.start();
            jedis.addAppender(lines);
            try {
                template.opsForValue().set("k", "after"); // the check found it dead: a new connection did this
            } finally {
                jedis.detachAppender(lines);
            }
            assertThat(template.opsForValue().get("k")).isEqualTo("after");
            // the failed check is what it is for: no WARN with a stack trace per pooled connection, as Jedis's own
            assertThat(lines.list).filteredOn(e -> e.getLevel().isGreaterOrEqual(Level.WARN)).isEmpty();
        });
    }

    @Test
    void withoutTheCheckAConnectionFromBeforeTheRestartFailsItsCommand() throws Exception {
        // the counterpart of the test above: what the check is for, and the window it leaves (a restart within the
        // idle threshold of the connection's last use)
        withPool(Duration.ofHours(1), (redis, template) -> {
            template.opsForValue().set("k", "before");
            redis.stop();
            redis.start();
            assertThatThrownBy(() -> template.opsForValue().set("k", "after"))
                    .isInstanceOf(RedisConnectionFailureException.class);
            // the failed connection was dropped, not pooled again: once the breaker's PING (at once) has an answer,
            // commands go through
            await().atMost(Duration.ofSeconds(5)).ignoreExceptions().untilAsserted(() -> {
                template.opsForValue().set("k", "again");
                assertThat(template.opsForValue().get("k")).isEqualTo("again");
            });
        });
    }

    private interface PoolTest {
        void run(RedisFixture redis, StringRedisTemplate template) throws Exception;
    }

    /** The gateway's Redis beans with the given idle threshold, on a real redis-server, closed after the test. */
    private static void withPool(Duration pingAfterIdle, PoolTest test) throws Exception {
        try (RedisFixture redis = RedisFixture.started()) {
            RedisBeans beans = RedisBeans.create(
                    new GatewaySettings.Redis("127.0.0.1", redis.port(), 0, Optional.empty()), pingAfterIdle);
            try {
                test.run(redis, beans.template());
            } finally {
                beans.factory().destroy();
            }
        }
    }

    /** How many times Redis ran a command, from INFO commandstats (0 when never). */
    private static long calls(StringRedisTemplate template, String command) {
        Properties stats = template.execute((RedisCallback<Properties>) c -> c.serverCommands().info("commandstats"));
        String line = stats.getProperty("cmdstat_" + command);
        if (line == null) {
            return 0;
        }
        return Long.parseLong(line.replaceAll("^calls=(\\d+),.*", "$1"));
    }
}
