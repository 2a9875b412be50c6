package io.agentgateway.auth;

import java.time.Clock;
import java.time.Duration;

import io.agentgateway.testing.GatewayWithAgent;
import io.agentgateway.testing.RunningGateway;
import io.agentgateway.testing.StandInAgent;
import io.agentgateway.testing.WsClient;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** With FIXED_SECRET set, a WebSocket needs a valid appid/token before the upgrade. */
class HandshakeAuthIT extends GatewayWithAgent {

    private static final String SECRET = "it-secret";

    private final TokenVerifier tokens = new TokenVerifier(SECRET, Clock.systemUTC());

    @Override
    protected RunningGateway.Builder configure(RunningGateway.Builder builder) {
        return builder.property("gateway.auth.fixed-secret", SECRET)
                .property("gateway.cors.origins", "https://app.example");
    }

    private String token(String appid, long minuteOffset) {
        return tokens.tokenFor(appid, Math.floorDiv(System.currentTimeMillis() / 1000, 60) + minuteOffset);
    }

    @Test
    void missingOrWrongCredentialsAreRefusedWith401BeforeTheUpgrade() {
        assertThat(WsClient.handshakeStatus(gateway.ws("/ws/s1"))).isEqualTo(401);
        assertThat(WsClient.handshakeStatus(gateway.ws("/ws/s1?appid=app1"))).isEqualTo(401);
        assertThat(WsClient.handshakeStatus(gateway.ws("/ws/s1?appid=app1&token=0123456789"))).isEqualTo(401);
        assertThat(WsClient.handshakeStatus(gateway.ws("/ws/s1?appid=app2&token=" + token("app1", 0)))).isEqualTo(401);
        assertThat(WsClient.handshakeStatus(gateway.ws("/ws/s1?appid=app1&token=" + token("app1", -2)))).isEqualTo(401);
        assertThat(gateway.context().getRegistry().lookupByNameAndType("sessionRegistry",
                io.agentgateway.session.SessionRegistry.class).find("s1")).isEmpty();
    }

    @Test
    void theCurrentAndThePreviousMinutesTokensAreAccepted() {
        assertThat(WsClient.handshakeStatus(gateway.ws("/ws/s2?appid=app1&token=" + token("app1", 0)))).isEqualTo(-1);
        assertThat(WsClient.handshakeStatus(gateway.ws("/ws/s2?appid=app1&token=" + token("app1", -1)))).isEqualTo(-1);
    }

    @Test
    void anAuthenticatedClientChatsAndItsCredentialsNeverReachTheAgent() {
        agent.script(StandInAgent.echo(Duration.ZERO));
        String token = token("app1", 0);
        try (WsClient ws = gateway.connect("/ws/s3?appid=app1&token=" + token)) {
            assertThat(WsClient.joined(ws.userMessage("authenticated hello").untilFinal()))
                    .isEqualTo("authenticated hello");
        }
        StandInAgent.Request request = agent.requests().get(agent.requests().size() - 1);
        assertThat(request.uri()).doesNotContain(token).doesNotContain("appid");
        assertThat(request.headers().toString()).doesNotContain(token).doesNotContain("app1");
        assertThat(request.body().toString()).doesNotContain(token);
    }

    @Test
    void aBrowserOriginOutsideCorsOriginsIsRefused() throws Exception {
        var http = java.net.http.HttpClient.newHttpClient();
        var refused = http.newWebSocketBuilder().header("Origin", "https://evil.example")
                .buildAsync(gateway.ws("/ws/s4?appid=app1&token=" + token("app1", 0)),
                        new java.net.http.WebSocket.Listener() { });
        assertThat(refused).failsWithin(Duration.ofSeconds(5)).withThrowableThat()
                .havingCause().isInstanceOf(java.net.http.WebSocketHandshakeException.class)
                .satisfies(e -> assertThat(((java.net.http.WebSocketHandshakeException) e).getResponse().statusCode())
                        .isEqualTo(403));
        var allowed = http.newWebSocketBuilder().header("Origin", "https://app.example")
                .buildAsync(gateway.ws("/ws/s4?appid=app1&token=" + token("app1", 0)),
                        new java.net.http.WebSocket.Listener() { });
        assertThat(allowed).succeedsWithin(Duration.ofSeconds(5));
        allowed.join().abort();
    }
}
