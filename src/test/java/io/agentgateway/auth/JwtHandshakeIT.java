package io.agentgateway.auth;

import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jwt.JWTClaimsSet;
import io.agentgateway.testing.GatewayWithAgent;
import io.agentgateway.testing.RawHandshake;
import io.agentgateway.testing.RunningGateway;
import io.agentgateway.testing.StandInAgent;
import io.agentgateway.testing.TestTokens;
import io.agentgateway.testing.WsClient;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** JWT and seed credentials side by side (FIXED_SECRET and GATEWAY__JWT_SECRET both set), on real sockets. */
class JwtHandshakeIT extends GatewayWithAgent {

    private static final String JWT_SECRET = "it-jwt-secret-0123456789abcdef-0123456789";
    private static final String SEED_SECRET = "it-seed-secret";
    private static final String AUDIENCE = "agent-gateway";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final TokenVerifier seed = new TokenVerifier(SEED_SECRET, Clock.systemUTC());
    private IdentityProbe probe;

    @Override
    protected RunningGateway.Builder configure(RunningGateway.Builder builder) {
        return builder.property("gateway.auth.fixed-secret", SEED_SECRET)
                .property("gateway.auth.jwt.secret", JWT_SECRET)
                .property("gateway.auth.jwt.audience", AUDIENCE)
                .property("gateway.auth.jwt.leeway", "5");
    }

    @BeforeAll
    void addProbe() throws Exception {
        probe = new IdentityProbe(gateway.context());
    }

    private static JWTClaimsSet.Builder claims(String sub) {
        return TestTokens.claims(sub, Instant.now()).audience(AUDIENCE);
    }

    private static String jwt(String sub) {
        return TestTokens.hs256(JWT_SECRET, claims(sub).build());
    }

    private String seedToken(String appid) {
        return seed.currentToken(appid);
    }

    private RawHandshake.Response handshake(String pathAndQuery, Map<String, String> headers) throws Exception {
        return RawHandshake.send(gateway.port(), pathAndQuery, headers);
    }

    @Test
    void aJwtInTheQueryChatsAndNeverReachesTheAgent() {
        agent.script(StandInAgent.echo(Duration.ZERO));
        String token = jwt("user-q");
        try (WsClient ws = gateway.connect("/ws/jwt-q?token=" + token)) {
            assertThat(WsClient.joined(ws.userMessage("hello with a jwt").untilFinal())).isEqualTo("hello with a jwt");
        }
        StandInAgent.Request request = agent.requests().get(agent.requests().size() - 1);
        assertThat(request.uri()).doesNotContain(token);
        assertThat(request.headers().toString()).doesNotContain(token).doesNotContain("user-q");
        assertThat(request.body().toString()).doesNotContain(token);
    }

    @Test
    void aJwtInAnAuthorizationBearerHeaderIsAccepted() throws Exception {
        assertThat(handshake("/ws/jwt-h", Map.of("Authorization", "Bearer " + jwt("user-h"))).status()).isEqualTo(101);
        var socket = HttpClient.newHttpClient().newWebSocketBuilder()
                .header("Authorization", "Bearer " + jwt("user-h"))
                .buildAsync(gateway.ws("/ws"), new WebSocket.Listener() { });
        assertThat(socket).succeedsWithin(Duration.ofSeconds(5));
        socket.join().abort();
    }

    @Test
    void theSeedSchemeStillWorks() throws Exception {
        assertThat(WsClient.handshakeStatus(gateway.ws("/ws/seed-1?appid=app1&token=" + seedToken("app1")))).isEqualTo(-1);
        assertThat(handshake("/ws/seed-2?appid=app2&token=" + seedToken("app1"), Map.of()).body())
                .isEqualTo("{\"error\":\"Invalid token for appid\"}");
    }

    @Test
    void eachRefusalIs401NamingTheReasonWithoutTheToken() throws Exception {
        Instant now = Instant.now();
        Map<String, String> cases = new java.util.LinkedHashMap<>();
        cases.put("expired", TestTokens.hs256(JWT_SECRET, claims("u")
                .expirationTime(Date.from(now.minusSeconds(60))).build()));
        cases.put("not yet valid", TestTokens.hs256(JWT_SECRET, claims("u")
                .notBeforeTime(Date.from(now.plusSeconds(120))).build()));
        cases.put("wrong audience", TestTokens.hs256(JWT_SECRET, claims("u").audience("someone-else").build()));
        cases.put("bad signature", TestTokens.hs256("some-other-secret-0123456789abcdef-012345", claims("u").build()));
        // a header without "alg"
        cases.put("malformed", "eyJub3QiOiJhIGhlYWRlciJ9.eyJzdWIiOiJ1In0.c2lnbmF0dXJl");
        cases.put("algorithm not allowed", TestTokens.unsecured(claims("u").build()));
        cases.put("algorithm not allowed ", TestTokens.hmac(new JWSHeader(JWSAlgorithm.HS512),
                (JWT_SECRET + JWT_SECRET).getBytes(java.nio.charset.StandardCharsets.UTF_8), claims("u").build()));
        for (Map.Entry<String, String> c : cases.entrySet()) {
            String token = c.getValue();
            for (boolean inHeader : new boolean[] {false, true}) {
                RawHandshake.Response response = inHeader
                        ? handshake("/ws/refused", Map.of("Authorization", "Bearer " + token))
                        : handshake("/ws/refused?token=" + token, Map.of());
                assertThat(response.status()).as(c.getKey() + (inHeader ? " (header)" : " (query)")).isEqualTo(401);
                assertThat(response.headers().get("content-type")).isEqualTo("application/json");
                assertThat(JSON.readTree(response.body()).path("error").asText())
                        .as(c.getKey()).isEqualTo("Invalid token: " + c.getKey().trim());
                for (String part : token.split("\\.")) {
                    if (part.length() > 3) {
                        assertThat(response.body()).as("the token is never echoed").doesNotContain(part);
                    }
                }
            }
        }
        assertThat(handshake("/ws/refused", Map.of()).status()).isEqualTo(401);
        assertThat(JSON.readTree(handshake("/ws/refused", Map.of()).body()).path("error").asText())
                .startsWith("Missing credentials");
    }

    @Test
    void theIdentityReachesTheRoutesAndCannotBeSpoofed() throws Exception {
        assertThat(handshake("/ws/probe/jwt?token=" + jwt("user-42") + "&GatewayIdentity=admin",
                Map.of("GatewayIdentity", "admin")).status()).isEqualTo(101);
        assertThat(probe.identityOf("jwt")).isEqualTo("user-42");

        assertThat(handshake("/ws/probe/bearer?gatewayidentity=admin",
                Map.of("Authorization", "Bearer " + jwt("user-43"))).status()).isEqualTo(101);
        assertThat(probe.identityOf("bearer")).isEqualTo("user-43");

        assertThat(handshake("/ws/probe/seed?appid=app7&token=" + seedToken("app7") + "&GATEWAYIDENTITY=admin",
                Map.of()).status()).isEqualTo(101);
        assertThat(probe.identityOf("seed")).isEqualTo("app7");
    }
}
