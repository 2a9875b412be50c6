package io.agentgateway.auth;

import java.time.Duration;

import io.agentgateway.testing.RedisFixture;
import io.agentgateway.testing.RunningGateway;
import io.agentgateway.testing.SeedCredentials;
import io.agentgateway.testing.StandInAgent;
import io.agentgateway.testing.WsClient;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * With Redis, a session's owner is shared: an application cannot open on instance B a session another application
 * opened on instance A. The instance holding a session knows its owner too, which decides while Redis is away or
 * came back without its data. (Gateways in this JVM: what is tested is the claim in Redis and beside the stream.)
 */
class SessionOwnershipAcrossInstancesIT {

    private static final String SECRET = "shared-ownership-secret";
    private final SeedCredentials seed = new SeedCredentials(SECRET);

    private String credentials(String appid) {
        return seed.query(appid);
    }

    private static RunningGateway gateway(RedisFixture redis, StandInAgent agent, String instance) throws Exception {
        return RunningGateway.builder().agentUrl(agent.url())
                .redis(redis)
                .property("gateway.instance-id", instance)
                .property("gateway.auth.fixed-secret", SECRET)
                .start();
    }

    @Test
    void anotherApplicationIsRefusedOnTheOtherInstanceToo() throws Exception {
        try (RedisFixture redis = RedisFixture.started(); StandInAgent agent = new StandInAgent();
             RunningGateway a = gateway(redis, agent, "own-a"); RunningGateway b = gateway(redis, agent, "own-b")) {
            try (WsClient owner = a.connect("/ws/owned?" + credentials("app-a"))) {
                assertThat(WsClient.joined(owner.userMessage("hello").untilFinal())).isNotEmpty();
                assertThat(WsClient.handshakeStatus(b.ws("/ws/owned?" + credentials("app-b")))).isEqualTo(403);
                assertThat(WsClient.handshakeStatus(a.ws("/ws/owned?" + credentials("app-b")))).isEqualTo(403);
            }
            // the owner itself may move the session to the other instance
            try (WsClient moved = b.connect("/ws/owned?" + credentials("app-a") + "&last_seq=-1")) {
                assertThat(moved.next().json().path("recovered").asBoolean()).isTrue();
            }
        }
    }

    @Test
    void whileRedisIsAwayTheOwnerComesBackToASessionHeldHereAndNobodyElseGetsIn() throws Exception {
        try (RedisFixture redis = RedisFixture.started(); StandInAgent agent = new StandInAgent();
             RunningGateway a = gateway(redis, agent, "own-away")) {
            try (WsClient owner = a.connect("/ws/kept?" + credentials("app-a"))) {
                assertThat(WsClient.joined(owner.userMessage("hello").untilFinal())).isNotEmpty();
            }
            redis.stop();
            try {
                try (WsClient back = a.connect("/ws/kept?" + credentials("app-a") + "&last_seq=-1")) {
                    assertThat(back.next().json().path("recovered").asBoolean()).isTrue();
                }
                assertThat(WsClient.handshakeStatus(a.ws("/ws/kept?" + credentials("app-b")))).isEqualTo(403);
                assertThat(WsClient.handshakeStatus(a.ws("/ws/not-held?" + credentials("app-a"))))
                        .as("a session nobody holds here: its owner cannot be asked").isEqualTo(503);
            } finally {
                redis.start();
            }
        }
    }

    @Test
    void aRedisBackWithoutItsDataDoesNotGiveAwayASessionHeldHere() throws Exception {
        try (RedisFixture redis = RedisFixture.started(); StandInAgent agent = new StandInAgent();
             RunningGateway a = gateway(redis, agent, "own-empty")) {
            try (WsClient owner = a.connect("/ws/kept?" + credentials("app-a"))) {
                assertThat(WsClient.joined(owner.userMessage("hello").untilFinal())).isNotEmpty();
            }
            redis.stop();
            redis.start(); // empty: no owner key
            await().atMost(Duration.ofSeconds(20)).until(() -> a.get("/health").body().contains("\"ok\""));
            assertThat(WsClient.handshakeStatus(a.ws("/ws/kept?" + credentials("app-b") + "&last_seq=-1")))
                    .isEqualTo(403);
            try (WsClient back = a.connect("/ws/kept?" + credentials("app-a") + "&last_seq=-1")) {
                assertThat(back.next().json().path("recovered").asBoolean()).isTrue();
            }
        }
    }
}
