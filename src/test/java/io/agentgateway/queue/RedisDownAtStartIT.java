package io.agentgateway.queue;

import java.time.Duration;
import java.util.List;

import io.agentgateway.testing.RedisFixture;
import io.agentgateway.testing.RunningGateway;
import io.agentgateway.testing.TestWorker;
import io.agentgateway.testing.WsClient;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Redis down when the gateway starts: it starts anyway, says so, refuses at once, and recovers when Redis comes. */
class RedisDownAtStartIT {

    private static final String REQUEST =
            "{\"type\":\"agent_judgement\",\"agent_ids\":[\"agent1\"],\"data\":{\"user_input\":\"hi\"}}";

    @Test
    void startsWithoutRedisAndRecoversWhenItComes() throws Exception {
        try (RedisFixture redis = RedisFixture.onFreePort();
             RunningGateway gateway = RunningGateway.builder()
                     .redis(redis)
                     .start()) {
            var health = gateway.get("/health");
            assertThat(health.statusCode()).isEqualTo(200);
            assertThat(health.body()).contains("\"status\":\"degraded\"").contains("\"redis\":\"down\"");

            try (WsClient ws = gateway.connect("/ws")) {
                long t0 = System.nanoTime();
                WsClient.Frame f = ws.send(REQUEST).next();
                assertThat(f.text("error")).startsWith("Queue unavailable");
                assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(3000);
                // the chat side does not need Redis and keeps working
                try (WsClient chat = gateway.connect("/ws/chat-without-redis")) {
                    assertThat(WsClient.joined(chat.userMessage("hello").untilFinal())).isEqualTo("hello");
                }
            }

            redis.start();
            try (TestWorker worker = new TestWorker(redis.port(), "gateway:", List.of("agent1"))) {
                await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
                    try (WsClient ws = gateway.connect("/ws")) {
                        WsClient.Frame first = ws.send(REQUEST).next(Duration.ofSeconds(3));
                        assertThat(first.text("type")).as(first.json().toString()).isEqualTo("agent_judgement_stream");
                    }
                });
                assertThat(gateway.get("/health").body()).contains("\"redis\":\"up\"");
            }
        }
    }
}
