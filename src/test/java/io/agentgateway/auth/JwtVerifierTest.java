package io.agentgateway.auth;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Date;
import java.util.List;
import java.util.Optional;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWTClaimsSet;
import io.agentgateway.auth.JwtVerifier.Failure;
import io.agentgateway.auth.JwtVerifier.Invalid;
import io.agentgateway.auth.JwtVerifier.Valid;
import io.agentgateway.testing.JwksServer;
import io.agentgateway.testing.TestTokens;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class JwtVerifierTest {

    private static final String SECRET = "0123456789abcdef0123456789abcdef-test";
    private static final Instant NOW = Instant.parse("2026-11-22T12:00:00Z");
    private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);

    private RSAKey rsa;
    private ECKey ec;
    private final JwtVerifier hs = JwtVerifier.hmac(SECRET, 30, Optional.empty(), CLOCK);

    @BeforeAll
    void keys() {
        rsa = TestTokens.rsaKey("rsa-1");
        ec = TestTokens.ecKey("ec-1");
    }

    private static JWTClaimsSet claims(String sub) {
        return TestTokens.claims(sub, NOW).build();
    }

    private static Object outcome(JwtVerifier verifier, String token) {
        JwtVerifier.Result result = verifier.verifyWithCachedKeys(token).orElseThrow();
        return result instanceof Invalid i ? i.failure() : ((Valid) result).subject();
    }

    private JwtVerifier rsaVerifier(Optional<String> audience) throws Exception {
        return JwtVerifier.publicKey(PemPublicKey.parse(TestTokens.pem(rsa.toPublicKey())), 30, audience, CLOCK);
    }

    @Test
    void hs256TokenGivesItsSubject() {
        assertThat(outcome(hs, TestTokens.hs256(SECRET, claims("user-1")))).isEqualTo("user-1");
    }

    @Test
    void rs256AndEs256FromPemPublicKeys() throws Exception {
        assertThat(outcome(rsaVerifier(Optional.empty()), TestTokens.rs256(rsa, claims("user-rs")))).isEqualTo("user-rs");
        // the PEM as an env file carries it, with literal \n
        String ecPem = TestTokens.pem(ec.toPublicKey()).replace("\n", "\\n");
        JwtVerifier es = JwtVerifier.publicKey(PemPublicKey.parse(ecPem), 30, Optional.empty(), CLOCK);
        assertThat(outcome(es, TestTokens.es256(ec, claims("user-ec")))).isEqualTo("user-ec");
        // a kid in the token does not matter with one configured key
        assertThat(outcome(es, TestTokens.es256(TestTokens.ecKey("other-kid").toECKey(), claims("x"))))
                .isEqualTo(Failure.BAD_SIGNATURE);
    }

    @Test
    void expiryAndNotBeforeAreCheckedWithTheLeeway() {
        JWTClaimsSet.Builder base = TestTokens.claims("u", NOW);
        assertThat(outcome(hs, TestTokens.hs256(SECRET, base.expirationTime(Date.from(NOW.minusSeconds(31))).build())))
                .isEqualTo(Failure.EXPIRED);
        assertThat(outcome(hs, TestTokens.hs256(SECRET, base.expirationTime(Date.from(NOW.minusSeconds(20))).build())))
                .as("expired 20 s ago, within the 30 s leeway").isEqualTo("u");
        JWTClaimsSet.Builder later = TestTokens.claims("u", NOW);
        assertThat(outcome(hs, TestTokens.hs256(SECRET, later.notBeforeTime(Date.from(NOW.plusSeconds(31))).build())))
                .isEqualTo(Failure.NOT_YET_VALID);
        assertThat(outcome(hs, TestTokens.hs256(SECRET, later.notBeforeTime(Date.from(NOW.plusSeconds(20))).build())))
                .as("valid from 20 s on, within the leeway").isEqualTo("u");
        JwtVerifier strict = JwtVerifier.hmac(SECRET, 0, Optional.empty(), CLOCK);
        assertThat(outcome(strict, TestTokens.hs256(SECRET, base.expirationTime(Date.from(NOW.minusSeconds(1))).build())))
                .isEqualTo(Failure.EXPIRED);
    }

    @Test
    void audienceIsCheckedWhenConfigured() {
        JwtVerifier withAud = JwtVerifier.hmac(SECRET, 30, Optional.of("agent-gateway"), CLOCK);
        assertThat(outcome(withAud, TestTokens.hs256(SECRET, TestTokens.claims("u", NOW)
                .audience(List.of("other", "agent-gateway")).build()))).isEqualTo("u");
        assertThat(outcome(withAud, TestTokens.hs256(SECRET, TestTokens.claims("u", NOW).audience("other").build())))
                .isEqualTo(Failure.WRONG_AUDIENCE);
        assertThat(outcome(withAud, TestTokens.hs256(SECRET, claims("u")))).isEqualTo(Failure.WRONG_AUDIENCE);
        assertThat(outcome(hs, TestTokens.hs256(SECRET, TestTokens.claims("u", NOW).audience("other").build())))
                .as("no audience configured: aud not checked").isEqualTo("u");
    }

    @Test
    void aWrongKeyOrATamperedPayloadIsABadSignature() throws Exception {
        assertThat(outcome(hs, TestTokens.hs256("another-secret-of-at-least-32-bytes!!", claims("u"))))
                .isEqualTo(Failure.BAD_SIGNATURE);
        String mine = TestTokens.hs256(SECRET, claims("user"));
        String admin = TestTokens.hs256("another-secret-of-at-least-32-bytes!!", claims("admin"));
        assertThat(outcome(hs, TestTokens.withPayloadOf(mine, admin))).isEqualTo(Failure.BAD_SIGNATURE);
        assertThat(outcome(rsaVerifier(Optional.empty()), TestTokens.rs256(TestTokens.rsaKey("rsa-1"), claims("u"))))
                .as("same kid, another key").isEqualTo(Failure.BAD_SIGNATURE);
    }

    @Test
    void malformedTokensAndMissingClaims() {
        assertThat(outcome(hs, "abc.def.ghi")).isEqualTo(Failure.MALFORMED);
        assertThat(outcome(hs, "not a jwt")).isEqualTo(Failure.MALFORMED);
        assertThat(outcome(hs, "")).isEqualTo(Failure.MALFORMED);
        assertThat(outcome(hs, TestTokens.hs256(SECRET, new JWTClaimsSet.Builder().subject("u").build())))
                .as("no exp").isEqualTo(Failure.MALFORMED);
        assertThat(outcome(hs, TestTokens.hs256(SECRET, new JWTClaimsSet.Builder()
                .expirationTime(Date.from(NOW.plusSeconds(60))).build()))).as("no sub").isEqualTo(Failure.MALFORMED);
        // a valid signature over a payload that is not a claims set
        com.nimbusds.jose.JWSObject notClaims = new com.nimbusds.jose.JWSObject(new JWSHeader(JWSAlgorithm.HS256),
                new com.nimbusds.jose.Payload("[1,2,3]"));
        try {
            notClaims.sign(new com.nimbusds.jose.crypto.MACSigner(SECRET.getBytes(StandardCharsets.UTF_8)));
        } catch (com.nimbusds.jose.JOSEException e) {
            throw new AssertionError(e);
        }
        assertThat(outcome(hs, notClaims.serialize())).isEqualTo(Failure.MALFORMED);
    }

    @Test
    void algNoneAndAlgorithmsOtherThanTheConfiguredOneAreRefused() throws Exception {
        assertThat(outcome(hs, TestTokens.unsecured(claims("u")))).isEqualTo(Failure.ALGORITHM_NOT_ALLOWED);
        assertThat(outcome(hs, TestTokens.hmac(new JWSHeader(JWSAlgorithm.HS384),
                (SECRET + SECRET).getBytes(StandardCharsets.UTF_8), claims("u")))).isEqualTo(Failure.ALGORITHM_NOT_ALLOWED);
        assertThat(outcome(hs, TestTokens.rs256(rsa, claims("u")))).isEqualTo(Failure.ALGORITHM_NOT_ALLOWED);
        JwtVerifier rs = rsaVerifier(Optional.empty());
        // HS/RS confusion: an HS256 token "signed" with the RSA public key as the HMAC secret
        String confused = TestTokens.hmac(new JWSHeader(JWSAlgorithm.HS256), rsa.toPublicKey().getEncoded(), claims("u"));
        assertThat(outcome(rs, confused)).isEqualTo(Failure.ALGORITHM_NOT_ALLOWED);
        String confusedPem = TestTokens.hmac(new JWSHeader(JWSAlgorithm.HS256),
                TestTokens.pem(rsa.toPublicKey()).getBytes(StandardCharsets.UTF_8), claims("u"));
        assertThat(outcome(rs, confusedPem)).isEqualTo(Failure.ALGORITHM_NOT_ALLOWED);
        assertThat(outcome(rs, TestTokens.es256(ec, claims("u")))).isEqualTo(Failure.ALGORITHM_NOT_ALLOWED);
        assertThat(outcome(rs, TestTokens.unsecured(claims("u")))).isEqualTo(Failure.ALGORITHM_NOT_ALLOWED);
    }

    @Test
    void configurationMistakesAreRefusedUpFront() {
        assertThatThrownBy(() -> JwtVerifier.hmac("short", 30, Optional.empty(), CLOCK))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("32 bytes");
        assertThatThrownBy(() -> PemPublicKey.parse("not a pem")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> PemPublicKey.parse("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("RSA or EC");
    }

    @Test
    void jwksKeysAreFetchedOffTheEventLoopCachedAndRotated() throws Exception {
        try (JwksServer server = new JwksServer().serve(rsa.toPublicJWK())) {
            JwtVerifier jwks = JwtVerifier.jwks(new JwksKeys(server.url(), Duration.ofMinutes(5), Duration.ofSeconds(30),
                    Clock.systemUTC()), 30, Optional.empty(), Clock.systemUTC());
            Instant now = Instant.now();
            String rsToken = TestTokens.rs256(rsa, TestTokens.claims("user-rs", now).build());

            assertThat(jwks.verifyWithCachedKeys(rsToken)).as("nothing cached: a fetch is needed").isEmpty();
            assertThat(server.fetches()).isZero();
            assertThat(jwks.verify(rsToken)).isEqualTo(new Valid("user-rs"));
            assertThat(server.fetches()).isEqualTo(1);
            assertThat(jwks.verifyWithCachedKeys(rsToken)).contains(new Valid("user-rs"));
            assertThat(jwks.verify(rsToken)).isEqualTo(new Valid("user-rs"));
            assertThat(server.fetches()).as("served from the cache").isEqualTo(1);

            // rotation: the endpoint now publishes a new EC key only
            server.serve(ec.toPublicJWK());
            String esToken = TestTokens.es256(ec, TestTokens.claims("user-ec", now).build());
            assertThat(jwks.verifyWithCachedKeys(esToken)).as("unknown kid: a fetch is needed").isEmpty();
            assertThat(jwks.verify(esToken)).isEqualTo(new Valid("user-ec"));
            assertThat(server.fetches()).isEqualTo(2);
            assertThat(jwks.verifyWithCachedKeys(esToken)).contains(new Valid("user-ec"));

            // a kid nobody publishes: refused, and the rate limit keeps it from fetching again
            String stranger = TestTokens.rs256(TestTokens.rsaKey("nobody"), TestTokens.claims("u", now).build());
            assertThat(jwks.verify(stranger)).isEqualTo(new Invalid(Failure.UNKNOWN_KEY));
            assertThat(jwks.verify(stranger)).isEqualTo(new Invalid(Failure.UNKNOWN_KEY));
            assertThat(server.fetches()).isEqualTo(2);
            assertThat(jwks.verify(rsToken)).as("the rotated-out key").isEqualTo(new Invalid(Failure.UNKNOWN_KEY));

            // wrong algorithm for JWKS and bad signatures are still told apart
            assertThat(jwks.verify(TestTokens.hs256(SECRET, TestTokens.claims("u", now).build())))
                    .isEqualTo(new Invalid(Failure.ALGORITHM_NOT_ALLOWED));
            String forged = TestTokens.es256(TestTokens.ecKey(ec.getKeyID()), TestTokens.claims("u", now).build());
            assertThat(jwks.verifyWithCachedKeys(forged)).contains(new Invalid(Failure.BAD_SIGNATURE));
        }
    }

    @Test
    void aNewKidIsPickedUpOnceTheRateLimitAllowsAnotherFetch() throws Exception {
        RSAKey k2 = TestTokens.rsaKey("rsa-2");
        RSAKey k3 = TestTokens.rsaKey("rsa-3");
        try (JwksServer server = new JwksServer().serve(rsa.toPublicJWK())) {
            // at most two fetches in any 2 s (Nimbus's rule)
            JwtVerifier jwks = JwtVerifier.jwks(new JwksKeys(server.url(), Duration.ofSeconds(30),
                    Duration.ofSeconds(2), Clock.systemUTC()), 30, Optional.empty(), Clock.systemUTC());
            Instant now = Instant.now();
            assertThat(jwks.verify(TestTokens.rs256(rsa, TestTokens.claims("a", now).build()))).isEqualTo(new Valid("a"));
            server.serve(rsa.toPublicJWK(), k2.toPublicJWK());
            assertThat(jwks.verify(TestTokens.rs256(k2, TestTokens.claims("b", now).build()))).isEqualTo(new Valid("b"));
            server.serve(rsa.toPublicJWK(), k2.toPublicJWK(), k3.toPublicJWK());
            String t3 = TestTokens.rs256(k3, TestTokens.claims("c", now).build());
            int fetches = server.fetches();
            assertThat(jwks.verify(t3)).as("third fetch inside the interval").isEqualTo(new Invalid(Failure.UNKNOWN_KEY));
            assertThat(server.fetches()).isEqualTo(fetches);
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
                    .until(() -> jwks.verify(t3).equals(new Valid("c")));
        }
    }

    @Test
    void anUnreachableJwksIsKeysUnavailableNotTheClientsFault() throws Exception {
        JwksServer server = new JwksServer();
        java.net.URL url = server.url();
        server.close();
        JwtVerifier jwks = JwtVerifier.jwks(url, 30, Optional.empty(), Clock.systemUTC());
        String token = TestTokens.rs256(rsa, TestTokens.claims("u", Instant.now()).build());
        assertThat(jwks.verifyWithCachedKeys(token)).isEmpty();
        JwtVerifier.Result result = jwks.verify(token);
        assertThat(result).isEqualTo(new Invalid(Failure.KEYS_UNAVAILABLE));
        assertThat(Failure.KEYS_UNAVAILABLE.status()).isEqualTo(503);
        assertThat(jwks.verify(token)).isEqualTo(new Invalid(Failure.KEYS_UNAVAILABLE));
        assertThat(jwks.verify(token)).as("rate-limited, still nothing fetched")
                .isEqualTo(new Invalid(Failure.KEYS_UNAVAILABLE));
    }

    @Test
    void theJwtShapeTest() {
        assertThat(JwtVerifier.looksLikeJwt("a.b.c")).isTrue();
        assertThat(JwtVerifier.looksLikeJwt("0123456789")).isFalse();
        assertThat(JwtVerifier.looksLikeJwt("a.b.c.d.e")).isFalse();
        assertThat(JwtVerifier.looksLikeJwt(null)).isFalse();
    }
}
