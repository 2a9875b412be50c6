package io.agentgateway.chat;

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
 * With Redis, GATEWAY__MAX_ANSWERS_PER_APP holds across instances. (Two gateways in this JVM: what is tested is the
 * shared count in Redis.)
 */
class AnswerLimitsAcrossInstancesIT {

    private static final String SECRET = "limits-secret";
    private final SeedCredentials seed = new SeedCredentials(SECRET);

    private String credentials(String appid) {
        return seed.query(appid);
    }

    private static RunningGateway gateway(RedisFixture redis, StandInAgent agent, String instance) throws Exception {
        return RunningGateway.builder().agentUrl(agent.url())
                .redis(redis)
                .property("gateway.instance-id", instance)
                .property("gateway.auth.fixed-secret", SECRET)
                .property("gateway.chat.max-answers-per-app", "1")
                .start();
    }

    @Test
    void anApplicationsAnswersAreCountedOnEveryInstance() throws Exception {
        try (RedisFixture redis = RedisFixture.started();
             StandInAgent agent = new StandInAgent().script(StandInAgent.endless(Duration.ofMillis(50)));
             RunningGateway one = gateway(redis, agent, "limits-1"); RunningGateway two = gateway(redis, agent, "limits-2");
             WsClient a1 = one.connect("/ws/a-first?" + credentials("app-a"));
             WsClient a2 = two.connect("/ws/a-second?" + credentials("app-a"));
             WsClient b2 = two.connect("/ws/b-first?" + credentials("app-b"))) {
            a1.userMessage("go on");
            assertThat(a1.next().text("type")).isEqualTo("assistant_message");
            assertThat(a2.userMessage("me too").next().text("error"))
                    .startsWith("Too many answers streaming for this application");
            b2.userMessage("another application");
            assertThat(b2.next().text("type")).isEqualTo("assistant_message");
            a1.send("{\"type\":\"cancel\"}").untilFinal();
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                    assertThat(a2.userMessage("now?").next().text("type")).isEqualTo("assistant_message"));
        }
    }
}
