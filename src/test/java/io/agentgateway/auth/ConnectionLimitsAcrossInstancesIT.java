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
 * With Redis, GATEWAY__MAX_CONNECTIONS_PER_APP holds across instances. (Two gateways in this JVM: what is tested is the
 * shared count in Redis.)
 */
class ConnectionLimitsAcrossInstancesIT {

    private static final String SECRET = "connections-secret";
    private final SeedCredentials seed = new SeedCredentials(SECRET);

    private String credentials(String appid) {
        return seed.query(appid);
    }

    private static RunningGateway gateway(RedisFixture redis, StandInAgent agent, String instance) throws Exception {
        return RunningGateway.builder().agentUrl(agent.url())
                .redis(redis)
                .property("gateway.instance-id", instance)
                .property("gateway.auth.fixed-secret", SECRET)
                .property("gateway.ws.max-connections-per-app", "1")
                .start();
    }

    @Test
    void anApplicationsConnectionsAreCountedOnEveryInstance() throws Exception {
        try (RedisFixture redis = RedisFixture.started(); StandInAgent agent = new StandInAgent();
             RunningGateway one = gateway(redis, agent, "conn-1"); RunningGateway two = gateway(redis, agent, "conn-2")) {
            WsClient first = one.connect("/ws/c-1?" + credentials("app-a"));
            assertThat(WsClient.handshakeStatus(two.ws("/ws/c-2?" + credentials("app-a")))).isEqualTo(429);
            assertThat(WsClient.handshakeStatus(two.ws("/ws/c-3?" + credentials("app-b")))).as("upgraded").isEqualTo(-1);
            first.close();
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                    assertThat(WsClient.handshakeStatus(two.ws("/ws/c-2?" + credentials("app-a")))).isEqualTo(-1));
        }
    }
}
