package io.agentgateway.session;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import io.agentgateway.testing.GatewayProcess;
import io.agentgateway.testing.RedisFixture;
import io.agentgateway.testing.StandInAgent;
import io.agentgateway.testing.WsClient;
import io.agentgateway.testing.WsClient.Frame;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Redis restarts empty (no persistence) while an answer streams on instance A: the directory is gone. A client that
 * then resumes on instance B must still get A's answer, exact, with seq going on from what it has: A puts its
 * holder entries back at its next heartbeat, and until then B answers 1013 (try again) rather than serving a session
 * it does not have.
 */
class RedisRestartIT {

    private static final List<String> ANSWER = IntStream.range(0, 40).mapToObj(i -> "r" + i + " ").toList();

    @Test
    void aResumeOnTheOtherInstanceAfterRedisLostItsDataGetsTheWholeAnswer() throws Exception {
        try (RedisFixture redis = RedisFixture.started();
             StandInAgent agent = new StandInAgent().script(StandInAgent.openAi(ANSWER, Duration.ofMillis(100)));
             GatewayProcess a = GatewayProcess.start("restart-a", env(redis, agent, "restart-a"));
             GatewayProcess b = GatewayProcess.start("restart-b", env(redis, agent, "restart-b"))) {
            List<Frame> all = new ArrayList<>();
            WsClient first = a.connect("/ws/survivor");
            first.userMessage("tell me");
            for (int i = 0; i < 3; i++) {
                all.add(first.next());
            }
            redis.stop();
            redis.start(); // empty: no holder, no heartbeat, no saved frames
            first.abort();
            long lastSeq = seq(all.get(all.size() - 1));

            int refused = 0;
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            WsClient again = null;
            Frame resumed = null;
            while (resumed == null) {
                assertThat(System.nanoTime()).as("resumed within 10 s (%d refusals)", refused).isLessThan(deadline);
                again = b.connect("/ws/survivor?last_seq=" + lastSeq);
                resumed = again.poll(Duration.ofSeconds(3));
                if (resumed == null) {
                    assertThat(again.closed().getNow(null)).as("no resumed frame: closed with try-again-later")
                            .isEqualTo(1013);
                    refused++;
                    again.close();
                    Thread.sleep(200); // a client's back-off before it reconnects
                }
            }
            try (WsClient ws = again) {
                assertThat(resumed.text("type")).isEqualTo("resumed");
                assertThat(resumed.json().path("recovered").asBoolean()).as(resumed.json().toString()).isTrue();
                all.addAll(ws.untilFinal());
            }
            assertThat(WsClient.joined(all)).isEqualTo(String.join("", ANSWER));
            for (int i = 1; i < all.size(); i++) {
                assertThat(seq(all.get(i))).as("no gap, no duplicate").isEqualTo(seq(all.get(i - 1)) + 1);
            }
            assertThat(a.log()).contains("putting its sessions' holder entries back");
        }
    }

    private static Map<String, String> env(RedisFixture redis, StandInAgent agent, String instance) {
        return Map.of("REDIS_HOST", "127.0.0.1", "REDIS_PORT", Integer.toString(redis.port()),
                "GATEWAY__INSTANCE_ID", instance, "GATEWAY__AGENT_URL", agent.url(),
                "GATEWAY__DEMO_WORKER", "false", "GATEWAY__INSTANCE_TTL", "3", "GATEWAY__RESUME_GRACE", "10");
    }

    private static long seq(Frame f) {
        return f.json().path("seq").asLong();
    }
}
