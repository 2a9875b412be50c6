package io.agentgateway.config;

import java.net.MalformedURLException;
import java.time.Clock;
import java.util.Optional;

import io.agentgateway.auth.ConnectionLimits;
import io.agentgateway.auth.HandshakeGuard;
import io.agentgateway.auth.InMemoryConnectionLimits;
import io.agentgateway.auth.JwtVerifier;
import io.agentgateway.auth.PemPublicKey;
import io.agentgateway.auth.TokenVerifier;
import io.agentgateway.auth.WebsocketAuth;
import org.apache.camel.spi.Registry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The WebSocket handshake guard built from the settings: seed token and/or JWT, and the connection limits. */
final class AuthBeans {

    private static final Logger LOG = LoggerFactory.getLogger(AuthBeans.class);

    private AuthBeans() {
    }

    /** Builds the guard and binds its {@link ConnectionLimits} as {@code connectionLimits}. */
    /** @param shared wraps this instance's connection limits in shared ones (Redis), or leaves them as they are */
    static HandshakeGuard guard(GatewaySettings settings, Registry registry, HandshakeGuard.SessionClaims claims,
                                java.util.function.UnaryOperator<ConnectionLimits> shared) {
        Clock clock = Clock.systemUTC();
        Optional<TokenVerifier> seed = settings.fixedSecret().map(s -> new TokenVerifier(s, clock));
        Optional<JwtVerifier> jwt = settings.jwt().map(j -> jwtVerifier(j, clock));
        ConnectionLimits limits = shared.apply(new InMemoryConnectionLimits(settings.maxConnections(),
                settings.maxConnectionsPerApp()));
        registry.bind("connectionLimits", ConnectionLimits.class, limits);
        settings.jwt().ifPresent(j -> LOG.info("WebSocket JWT auth on: {}{}{}",
                j.secret().isPresent() ? "HS256 secret" : j.publicKeyPem().isPresent() ? "public key" : "JWKS at "
                        + j.jwksUrl().orElseThrow(),
                j.audience().map(a -> ", audience " + a).orElse(""),
                seed.isPresent() ? "; FIXED_SECRET seed tokens accepted too" : ""));
        return new HandshakeGuard(new WebsocketAuth(seed, jwt), limits, settings.corsOrigins(), claims);
    }

    private static JwtVerifier jwtVerifier(GatewaySettings.Jwt j, Clock clock) {
        if (j.secret().isPresent()) {
            return JwtVerifier.hmac(j.secret().get(), j.leewaySeconds(), j.audience(), clock);
        }
        if (j.publicKeyPem().isPresent()) {
            return JwtVerifier.publicKey(PemPublicKey.parse(j.publicKeyPem().get()), j.leewaySeconds(), j.audience(),
                    clock);
        }
        try {
            return JwtVerifier.jwks(j.jwksUrl().orElseThrow().toURL(), j.leewaySeconds(), j.audience(), clock);
        } catch (MalformedURLException e) {
            throw new InvalidConfigurationException("GATEWAY__JWKS_URL (gateway.auth.jwt.jwks-url) is not a URL");
        }
    }
}
