package io.agentgateway.auth;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class TokenVerifierTest {

    private static final long MINUTE = 29_000_000L;

    private static TokenVerifier at(long epochSecond) {
        return new TokenVerifier("s3cret", Clock.fixed(Instant.ofEpochSecond(epochSecond), ZoneOffset.UTC));
    }

    @Test
    void tokenIsTheSeedFormula() {
        // python3: hashlib.sha256(('app1' + 's3cret' + str(29000000)).encode()).hexdigest()[:10]
        assertThat(at(0).tokenFor("app1", MINUTE)).isEqualTo("a4351a8b26");
    }

    @Test
    void acceptsTheCurrentAndThePreviousMinuteOnly() {
        TokenVerifier v = at(MINUTE * 60 + 30);
        assertThat(v.verify("app1", v.tokenFor("app1", MINUTE))).isTrue();
        assertThat(v.verify("app1", v.tokenFor("app1", MINUTE - 1))).isTrue();
        assertThat(v.verify("app1", v.tokenFor("app1", MINUTE - 2))).isFalse();
        assertThat(v.verify("app1", v.tokenFor("app1", MINUTE + 1))).isFalse();
    }

    @Test
    void refusesAnotherAppsTokenAndEmptyCredentials() {
        TokenVerifier v = at(MINUTE * 60);
        assertThat(v.verify("app2", v.tokenFor("app1", MINUTE))).isFalse();
        assertThat(v.verify("app1", "")).isFalse();
        assertThat(v.verify("", v.tokenFor("", MINUTE))).isFalse();
        assertThat(v.verify(null, "a4351a8b26")).isFalse();
        assertThat(v.verify("app1", v.tokenFor("app1", MINUTE).toUpperCase())).isFalse();
    }

    @Test
    void aDifferentSecretGivesADifferentToken() {
        TokenVerifier other = new TokenVerifier("other", Clock.systemUTC());
        assertThat(other.tokenFor("app1", MINUTE)).isNotEqualTo("a4351a8b26");
    }
}
