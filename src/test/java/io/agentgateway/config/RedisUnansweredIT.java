package io.agentgateway.config;

import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;

import io.agentgateway.testing.RedisFixture;
import io.agentgateway.testing.RunningGateway;
import io.agentgateway.testing.StandInAgent;
import io.agentgateway.testing.WsClient;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A Redis that takes connections and never answers (a host gone behind a network that drops packets; here a socket
 * nobody reads): once a call has found that out, turns go ahead at once on their fallbacks instead of each waiting out
 * a time-out per Redis call (a first token 15 s late, a final 5 s late, before); once Redis answers again it is used.
 */
class RedisUnansweredIT {

    private static final List<String> TOKENS = List.of("not ", "held ", "up");

    @Test
    void turnsDoNotWaitForARedisThatDoesNotAnswer() throws Exception {
        try (RedisFixture redis = RedisFixture.started();
             StandInAgent agent = new StandInAgent().script(StandInAgent.openAi(TOKENS, Duration.ZERO));
             RunningGateway gateway = RunningGateway.builder().agentUrl(agent.url()).redis(redis).start()) {
            assertThat(turn(gateway, "before", Duration.ofSeconds(10))).isEqualTo(String.join("", TOKENS));

            redis.stop();
            try (ServerSocket unanswered = new ServerSocket()) {
                unanswered.setReuseAddress(true);
                unanswered.bind(new InetSocketAddress("127.0.0.1", redis.port()), 200);
                // the first Redis call after this waits for its read time-out (5 s), and finds out
                assertThat(turn(gateway, "finds-out", Duration.ofSeconds(30))).isEqualTo(String.join("", TOKENS));
                for (int i = 0; i < 3; i++) {
                    long started = System.nanoTime();
                    assertThat(turn(gateway, "after-" + i, Duration.ofSeconds(3))).isEqualTo(String.join("", TOKENS));
                    assertThat(Duration.ofNanos(System.nanoTime() - started)).as("a whole turn, Redis not answering")
                            .isLessThan(Duration.ofSeconds(3));
                }
                assertThat(gateway.get("/health").body()).contains("\"redis\":\"down\"");
            }

            redis.start();
            await().atMost(Duration.ofSeconds(20)).until(() -> gateway.get("/health").body().contains("\"redis\":\"up\""));
            assertThat(turn(gateway, "back", Duration.ofSeconds(10))).isEqualTo(String.join("", TOKENS));
            try (Jedis jedis = new Jedis("127.0.0.1", redis.port())) {
                await().atMost(Duration.ofSeconds(10)).until(() -> !jedis.keys("*{back}*").isEmpty());
            }
        }
    }

    /** A turn on a new socket: the joined answer, each frame within {@code eachWait}. */
    private static String turn(RunningGateway gateway, String session, Duration eachWait) {
        try (WsClient ws = gateway.connect("/ws/" + session)) {
            return WsClient.joined(ws.userMessage("hello").untilFinal(eachWait));
        }
    }
}
