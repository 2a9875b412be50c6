package io.agentgateway.config;

import java.time.Duration;
import java.util.Map;
import java.util.regex.Pattern;

import io.agentgateway.testing.GatewayProcess;
import io.agentgateway.testing.RedisFixture;
import io.agentgateway.testing.StandInAgent;
import io.agentgateway.testing.WsClient;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * What a Redis outage of several seconds writes to a real gateway's log, while an answer streams through it: each
 * thing that falls back says so once and says once when it works again, and the libraries' per-retry lines are
 * thinned (Spring's subscription container's ERROR with its stack trace, each second) or gone (Jedis's WARN with a
 * stack trace for each pooled connection found dead).
 */
class RedisOutageLogIT {

    @Test
    void anOutageIsAFewLinesNotALinePerRetry() throws Exception {
        try (RedisFixture redis = RedisFixture.started();
             StandInAgent agent = new StandInAgent().script(StandInAgent.endless(Duration.ofMillis(20)));
             GatewayProcess gateway = GatewayProcess.start("redis-outage", Map.of(
                     "REDIS_HOST", "127.0.0.1", "REDIS_PORT", Integer.toString(redis.port()),
                     "GATEWAY__AGENT_URL", agent.url(), "GATEWAY__DEMO_WORKER", "false"));
             WsClient ws = gateway.connect("/ws/outage")) {
            ws.userMessage("go on");
            assertThat(ws.next().isFinal()).isFalse();
            redis.stop();
            // four seconds of tokens with nowhere to save them, and four of Spring's tries to resubscribe
            long until = System.nanoTime() + Duration.ofSeconds(4).toNanos();
            int sockets = 0;
            while (System.nanoTime() < until) {
                assertThat(ws.next().isFinal()).as("the answer streams on without Redis").isFalse();
                if (sockets < 5) { // clients coming and going: each asks the session directory
                    gateway.connect("/ws/meanwhile-" + sockets++).close();
                }
            }
            redis.start();
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                    assertThat(gateway.log()).contains("Saving session frames to Redis again, after "));
            assertThat(ws.next().isFinal()).isFalse();
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
                gateway.connect("/ws/after").close(); // a socket that comes asks the directory again
                assertThat(gateway.log()).contains("The session directory works again");
            });

            String log = gateway.log();
            assertThat(count(log, "Could not save session frames to Redis")).as(log).isEqualTo(1);
            assertThat(count(log, "Saving session frames to Redis again")).as(log).isEqualTo(1);
            assertThat(count(log, "Connection failure occurred")).as("Spring's per-retry ERROR: " + log)
                    .isEqualTo(1);
            assertThat(count(log, "Error while validating pooled Jedis object")).as(log).isZero();
            assertThat(count(log, "Session directory unavailable")).as(log).isEqualTo(1);
            assertThat(count(log, "The session directory works again")).as(log).isEqualTo(1);
        }
    }

    private static long count(String log, String text) {
        return Pattern.compile(Pattern.quote(text)).matcher(log).results().count();
    }
}
