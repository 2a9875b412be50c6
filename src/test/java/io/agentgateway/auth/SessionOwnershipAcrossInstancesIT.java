package io.agentgateway.auth;


import io.agentgateway.testing.RedisFixture;
import io.agentgateway.testing.RunningGateway;
import io.agentgateway.testing.SeedCredentials;
import io.agentgateway.testing.StandInAgent;
import io.agentgateway.testing.WsClient;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * With Redis, a session's owner is shared: an application cannot open on instance B a session another application
 * opened on instance A. (Two gateways in this JVM: what is tested is the shared claim in Redis.)
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
}
