package io.agentgateway.auth;

import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;

import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.RSAKey;
import io.agentgateway.testing.JwksServer;
import io.agentgateway.testing.RawHandshake;
import io.agentgateway.testing.RunningGateway;
import io.agentgateway.testing.TestTokens;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * GATEWAY__JWKS_URL against a real local JWKS endpoint: the first handshake waits for the key fetch without
 * holding the event loop (another request is served meanwhile), and a rotated key is picked up.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class JwksHandshakeIT {

    private JwksServer jwks;
    private RunningGateway gateway;
    private final RSAKey rsa = TestTokens.rsaKey("rsa-1");
    private final ECKey ec = TestTokens.ecKey("ec-2");

    @BeforeAll
    void start() throws Exception {
        jwks = new JwksServer().serve(rsa.toPublicJWK());
        gateway = RunningGateway.builder()
                .property("gateway.auth.jwt.jwks-url", jwks.url().toString())
                .start();
    }

    @AfterAll
    void stop() {
        if (gateway != null) {
            gateway.close();
        }
        jwks.close();
    }

    @Test
    void aHandshakeWaitingForTheKeyFetchDoesNotHoldTheEventLoopAndRotationIsHonoured() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        jwks.holdFetchesUntil(release);
        String token = TestTokens.rs256(rsa, TestTokens.claims("user-rs", Instant.now()).build());
        CompletableFuture<WebSocket> first = HttpClient.newHttpClient().newWebSocketBuilder()
                .buildAsync(gateway.ws("/ws/jwks-1?token=" + token), new WebSocket.Listener() { });
        assertThat(jwks.awaitHeldFetch()).as("the gateway is fetching the JWKS").isTrue();

        // the fetch hangs on a worker; the server's event loop still answers
        long started = System.nanoTime();
        assertThat(gateway.get("/health").statusCode()).isEqualTo(200);
        assertThat(RawHandshake.send(gateway.port(), "/ws/jwks-2?token=not-a-jwt", Map.of()).status()).isEqualTo(401);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(3));
        assertThat(first).isNotDone();

        release.countDown();
        jwks.holdFetchesUntil(null);
        assertThat(first).as("the paused handshake upgrades once the key is there").succeedsWithin(Duration.ofSeconds(10));
        first.join().abort();
        assertThat(jwks.fetches()).isEqualTo(1);

        // cached now: no further fetch
        assertThat(RawHandshake.send(gateway.port(), "/ws/jwks-3?token=" + token, Map.of()).status()).isEqualTo(101);
        assertThat(jwks.fetches()).isEqualTo(1);

        // the issuer rotates to an EC key: a token with the new kid makes the gateway fetch again
        jwks.serve(ec.toPublicJWK());
        String rotated = TestTokens.es256(ec, TestTokens.claims("user-ec", Instant.now()).build());
        assertThat(RawHandshake.send(gateway.port(), "/ws/jwks-4?token=" + rotated, Map.of()).status()).isEqualTo(101);
        assertThat(jwks.fetches()).isEqualTo(2);

        // a kid nobody publishes: 401 naming it, and (rate-limited) no third fetch
        String stranger = TestTokens.rs256(TestTokens.rsaKey("nobody"), TestTokens.claims("u", Instant.now()).build());
        RawHandshake.Response refused = RawHandshake.send(gateway.port(), "/ws/jwks-5?token=" + stranger, Map.of());
        assertThat(refused.status()).isEqualTo(401);
        assertThat(refused.body()).isEqualTo("{\"error\":\"Invalid token: unknown key\"}");
        assertThat(jwks.fetches()).isEqualTo(2);
    }
}
