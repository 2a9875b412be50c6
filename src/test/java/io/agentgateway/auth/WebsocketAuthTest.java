package io.agentgateway.auth;

import java.time.Clock;
import java.time.Instant;
import java.util.Optional;

import io.agentgateway.auth.WebsocketAuth.Allowed;
import io.agentgateway.auth.WebsocketAuth.Credentials;
import io.agentgateway.auth.WebsocketAuth.NeedsKeyFetch;
import io.agentgateway.auth.WebsocketAuth.Refused;
import io.agentgateway.testing.JwksServer;
import io.agentgateway.testing.TestTokens;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Which scheme checks which token, and the identity each gives. */
class WebsocketAuthTest {

    private static final String JWT_SECRET = "0123456789abcdef0123456789abcdef-test";
    private final TokenVerifier seed = new TokenVerifier("seed-secret", Clock.systemUTC());
    private final JwtVerifier jwt = JwtVerifier.hmac(JWT_SECRET, 30, Optional.empty(), Clock.systemUTC());

    private String seedToken(String appid) {
        return seed.currentToken(appid);
    }

    private String jwt(String sub) {
        return TestTokens.hs256(JWT_SECRET, TestTokens.claims(sub, Instant.now()).build());
    }

    @Test
    void offAllowsEveryoneWithoutIdentity() {
        WebsocketAuth off = new WebsocketAuth(Optional.empty(), Optional.empty());
        assertThat(off.enabled()).isFalse();
        assertThat(off.decide(new Credentials(null, null))).isEqualTo(new Allowed(Optional.empty()));
    }

    @Test
    void bothSchemesAJwtShapedTokenIsAJwtAnythingElseASeedToken() {
        WebsocketAuth both = new WebsocketAuth(Optional.of(seed), Optional.of(jwt));
        assertThat(both.decide(new Credentials(null, jwt("user-1")))).isEqualTo(new Allowed(Optional.of("user-1")));
        assertThat(both.decide(new Credentials("app1", jwt("user-1"))))
                .as("a JWT's identity is its sub, whatever appid says").isEqualTo(new Allowed(Optional.of("user-1")));
        assertThat(both.decide(new Credentials("app1", seedToken("app1")))).isEqualTo(new Allowed(Optional.of("app1")));
        assertThat(both.decide(new Credentials("app2", seedToken("app1")))).isEqualTo(new Refused(401, "Invalid token for appid"));
        assertThat(both.decide(new Credentials(null, seedToken("app1")))).isInstanceOf(Refused.class);
        assertThat(both.decide(new Credentials("app1", null))).isInstanceOf(Refused.class);
        assertThat(both.decide(new Credentials("app1", "a.b.c"))).isEqualTo(new Refused(401, "Invalid token: malformed"));
    }

    @Test
    void oneSchemeChecksEveryToken() {
        WebsocketAuth jwtOnly = new WebsocketAuth(Optional.empty(), Optional.of(jwt));
        assertThat(jwtOnly.decide(new Credentials("app1", seedToken("app1"))))
                .isEqualTo(new Refused(401, "Invalid token: malformed"));
        WebsocketAuth seedOnly = new WebsocketAuth(Optional.of(seed), Optional.empty());
        assertThat(seedOnly.decide(new Credentials("app1", jwt("user-1"))))
                .isEqualTo(new Refused(401, "Invalid token for appid"));
    }

    @Test
    void aJwtWhoseKeyIsNotCachedIsDeferredToAWorker() throws Exception {
        try (JwksServer server = new JwksServer()) {
            var key = TestTokens.rsaKey("k1");
            server.serve(key.toPublicJWK());
            WebsocketAuth jwks = new WebsocketAuth(Optional.empty(),
                    Optional.of(JwtVerifier.jwks(server.url(), 30, Optional.empty(), Clock.systemUTC())));
            String token = TestTokens.rs256(key, TestTokens.claims("user-9", Instant.now()).build());
            assertThat(jwks.decide(new Credentials(null, token))).isEqualTo(new NeedsKeyFetch(token));
            assertThat(server.fetches()).isZero();
            assertThat(jwks.decideWithKeyFetch(token)).isEqualTo(new Allowed(Optional.of("user-9")));
            assertThat(jwks.decide(new Credentials(null, token))).isEqualTo(new Allowed(Optional.of("user-9")));
        }
    }
}
