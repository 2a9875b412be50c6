package io.agentgateway.session;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.agentgateway.chat.StreamRegistry;
import io.agentgateway.testing.GatewayWithAgent;
import io.agentgateway.testing.RunningGateway;
import io.agentgateway.testing.StandInAgent;
import io.agentgateway.testing.WsClient;
import io.agentgateway.testing.WsClient.Frame;
import org.apache.camel.ProducerTemplate;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Sessions are held by one socket, released on close, and reachable from any route through ws-reply. */
class SessionLifecycleIT extends GatewayWithAgent {

    private SessionRegistry sessions;
    private StreamRegistry streams;

    @BeforeAll
    void lookUpState() {
        sessions = gateway.context().getRegistry().lookupByNameAndType("sessionRegistry", SessionRegistry.class);
        streams = gateway.context().getRegistry().lookupByNameAndType("streamRegistry", StreamRegistry.class);
    }

    @Override
    protected RunningGateway.Builder configure(RunningGateway.Builder builder) {
        // no resume grace: a socket that closes takes its session's answer with it
        return builder.property("gateway.session.resume-grace", "0");
    }

    @Test
    void aNewConnectionTakesTheSessionOverAndTheAnswerGoesOnToIt() throws Exception {
        agent.script(StandInAgent.openAi(List.of("one ", "two ", "three ", "four ", "five"), Duration.ofMillis(150)));
        WsClient old = gateway.connect("/ws/taken");
        old.userMessage("long answer");
        Frame first = old.next();
        try (WsClient fresh = gateway.connect("/ws/taken")) {
            assertThat(old.closed().get(5, TimeUnit.SECONDS)).isEqualTo((int) SocketLifecycle.SESSION_TAKEN_OVER);
            // live frames from the takeover on: the rest of the answer, numbered on from the session's seq
            List<Frame> rest = fresh.untilFinal();
            assertThat(rest.get(0).json().path("seq").asLong()).isGreaterThan(first.json().path("seq").asLong());
            assertThat(WsClient.joined(rest)).isNotEmpty();
            assertThat("one two three four five").endsWith(WsClient.joined(rest));
            assertThat(agent.hangUpCount()).as("the agent call was not cut off").isZero();
            agent.script(StandInAgent.echo(Duration.ZERO));
            assertThat(WsClient.joined(fresh.userMessage("mine now").untilFinal())).isEqualTo("mine now");
            assertThat(agent.requests().get(agent.requests().size() - 1).body().path("messages").size())
                    .as("the session kept its history: the earlier turn and this one").isEqualTo(3);
        }
    }

    @Test
    void closingASocketReleasesItsSessionAndAnyStreamingAnswer() throws Exception {
        agent.script(StandInAgent.endless(Duration.ofMillis(50)));
        WsClient ws = gateway.connect("/ws/released");
        ws.userMessage("stream");
        ws.next();
        assertThat(sessions.find("released")).isPresent();
        assertThat(streams.current("released")).isPresent();
        ws.close();
        await().atMost(Duration.ofSeconds(3)).untilAsserted(() -> {
            assertThat(sessions.find("released")).isEmpty();
            assertThat(streams.current("released")).isEmpty();
        });
        assertThat(agent.awaitHangUp(Duration.ofSeconds(2))).isNotNull();
    }

    @Test
    void anyRouteCanSendAFrameToASessionThroughWsReply() throws Exception {
        ProducerTemplate template = gateway.context().createProducerTemplate();
        try (WsClient ws = gateway.connect("/ws/reply-target")) {
            await().atMost(Duration.ofSeconds(3)).until(() -> sessions.find("reply-target").isPresent());
            template.sendBodyAndHeader("direct:ws-reply", "{\"type\":\"notice\",\"text\":\"hi\"}",
                    "session_id", "reply-target");
            assertThat(ws.next().text("text")).isEqualTo("hi");
            // a reply for a session nobody holds is dropped, not an error
            template.sendBodyAndHeader("direct:ws-reply", "{\"type\":\"notice\"}", "session_id", "nobody");
            assertThat(ws.poll(Duration.ofMillis(200))).isNull();
        } finally {
            template.close();
        }
    }
}
