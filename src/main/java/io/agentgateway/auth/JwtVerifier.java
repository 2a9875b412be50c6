package io.agentgateway.auth;

import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.security.Key;
import java.text.ParseException;
import java.time.Clock;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import javax.crypto.spec.SecretKeySpec;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.crypto.factories.DefaultJWSVerifierFactory;
import com.nimbusds.jose.jwk.AsymmetricJWK;
import com.nimbusds.jose.util.DateUtils;
import com.nimbusds.jwt.JWT;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.JWTParser;
import com.nimbusds.jwt.SignedJWT;

/**
 * Checks a JWT credential with Nimbus JOSE + JWT: the signature (only with the configured algorithms, so no
 * {@code none} and no HS/RS confusion), then {@code exp} (required) and {@code nbf} with a leeway, {@code aud} when
 * an audience is configured, and a non-empty {@code sub}, which becomes the connection's identity.
 * <p>
 * {@link #verifyWithCachedKeys} never does I/O and may run on an event loop; it answers empty when the keys must be
 * fetched first (JWKS only), and then {@link #verify} does it on a worker thread.
 */
public final class JwtVerifier {

    /** Why a JWT is refused. The message never quotes the token or anything taken from it. */
    public enum Failure {
        MALFORMED(401, "malformed"),
        ALGORITHM_NOT_ALLOWED(401, "algorithm not allowed"),
        UNKNOWN_KEY(401, "unknown key"),
        BAD_SIGNATURE(401, "bad signature"),
        EXPIRED(401, "expired"),
        NOT_YET_VALID(401, "not yet valid"),
        WRONG_AUDIENCE(401, "wrong audience"),
        /** The JWKS endpoint could not be read: not the client's fault. */
        KEYS_UNAVAILABLE(503, "signing keys unavailable, try again later");

        private final int status;
        private final String reason;

        Failure(int status, String reason) {
            this.status = status;
            this.reason = reason;
        }

        public int status() {
            return status;
        }

        public String reason() {
            return reason;
        }

        /** The {@code error} a refused handshake gets. */
        public String message() {
            return "Invalid token: " + reason;
        }
    }

    /** The outcome of a check. */
    public sealed interface Result permits Valid, Invalid {
    }

    /** @param subject the {@code sub} claim */
    public record Valid(String subject) implements Result {
    }

    public record Invalid(Failure failure) implements Result {
    }

    private final JwtKeys keys;
    private final Set<JWSAlgorithm> algorithms;
    private final long leewaySeconds;
    private final Optional<String> audience;
    private final Clock clock;
    private final DefaultJWSVerifierFactory verifiers = new DefaultJWSVerifierFactory();

    JwtVerifier(JwtKeys keys, Set<JWSAlgorithm> algorithms, long leewaySeconds, Optional<String> audience,
                Clock clock) {
        this.keys = keys;
        this.algorithms = Set.copyOf(algorithms);
        this.leewaySeconds = leewaySeconds;
        this.audience = audience;
        this.clock = clock;
    }

    /** HS256 with a shared secret of at least 32 bytes. */
    public static JwtVerifier hmac(String secret, long leewaySeconds, Optional<String> audience, Clock clock) {
        byte[] bytes = secret.getBytes(StandardCharsets.UTF_8);
        if (bytes.length < 32) {
            throw new IllegalArgumentException("an HS256 secret must be at least 32 bytes");
        }
        return new JwtVerifier(JwtKeys.single(new SecretKeySpec(bytes, "HmacSHA256")), Set.of(JWSAlgorithm.HS256),
                leewaySeconds, audience, clock);
    }

    /** RS256 or ES256, as the key's type says. */
    public static JwtVerifier publicKey(PemPublicKey key, long leewaySeconds, Optional<String> audience, Clock clock) {
        try {
            Key publicKey = ((AsymmetricJWK) key.key()).toPublicKey();
            return new JwtVerifier(JwtKeys.single(publicKey), Set.of(key.algorithm()), leewaySeconds, audience, clock);
        } catch (JOSEException e) {
            throw new IllegalArgumentException("unusable public key: " + e.getMessage(), e);
        }
    }

    /** RS256 or ES256 with the keys of a JWKS endpoint, cached for 5 minutes, refetches at most twice in 30 s. */
    public static JwtVerifier jwks(URL url, long leewaySeconds, Optional<String> audience, Clock clock) {
        return jwks(JwksKeys.of(url, clock), leewaySeconds, audience, clock);
    }

    static JwtVerifier jwks(JwksKeys keys, long leewaySeconds, Optional<String> audience, Clock clock) {
        return new JwtVerifier(keys, JwksKeys.ALGORITHMS, leewaySeconds, audience, clock);
    }

    /**
     * The shape test that tells a JWT from a seed token: three dot-separated parts. The token itself is parsed
     * only by Nimbus.
     */
    public static boolean looksLikeJwt(String token) {
        return token != null && token.chars().filter(c -> c == '.').count() == 2;
    }

    /** The check with keys at hand only; empty when a key fetch is needed (then call {@link #verify}). */
    public Optional<Result> verifyWithCachedKeys(String token) {
        return check(token, false);
    }

    /** The check, fetching keys if needed: may block on the JWKS endpoint. */
    public Result verify(String token) {
        return check(token, true).orElseThrow();
    }

    private Optional<Result> check(String token, boolean mayFetch) {
        SignedJWT jwt;
        try {
            JWT parsed = JWTParser.parse(token);
            if (!(parsed instanceof SignedJWT signed)) {
                // an unsecured ("alg": "none") or an encrypted token
                return invalid(Failure.ALGORITHM_NOT_ALLOWED);
            }
            jwt = signed;
        } catch (ParseException e) {
            return invalid(Failure.MALFORMED);
        }
        JWSHeader header = jwt.getHeader();
        if (!algorithms.contains(header.getAlgorithm())) {
            return invalid(Failure.ALGORITHM_NOT_ALLOWED);
        }
        List<? extends Key> candidates;
        if (mayFetch) {
            try {
                candidates = keys.fetch(header);
            } catch (KeySourceException e) {
                return invalid(Failure.KEYS_UNAVAILABLE);
            }
        } else {
            Optional<List<? extends Key>> cached = keys.cached(header);
            if (cached.isEmpty()) {
                return Optional.empty();
            }
            candidates = cached.get();
        }
        if (candidates.isEmpty()) {
            return invalid(Failure.UNKNOWN_KEY);
        }
        if (!signedByOneOf(jwt, candidates)) {
            return invalid(Failure.BAD_SIGNATURE);
        }
        return Optional.of(checkClaims(jwt));
    }

    private boolean signedByOneOf(SignedJWT jwt, List<? extends Key> candidates) {
        for (Key key : candidates) {
            try {
                if (jwt.verify(verifiers.createJWSVerifier(jwt.getHeader(), key))) {
                    return true;
                }
            } catch (JOSEException e) {
                // this key cannot check this token (wrong type or size): try the next
            }
        }
        return false;
    }

    private Result checkClaims(SignedJWT jwt) {
        JWTClaimsSet claims;
        try {
            claims = jwt.getJWTClaimsSet();
        } catch (ParseException e) {
            return new Invalid(Failure.MALFORMED);
        }
        Date now = new Date(clock.millis());
        Date exp = claims.getExpirationTime();
        if (exp == null) {
            return new Invalid(Failure.MALFORMED);
        }
        if (!DateUtils.isAfter(exp, now, leewaySeconds)) {
            return new Invalid(Failure.EXPIRED);
        }
        Date nbf = claims.getNotBeforeTime();
        if (nbf != null && !DateUtils.isBefore(nbf, now, leewaySeconds)) {
            return new Invalid(Failure.NOT_YET_VALID);
        }
        if (audience.isPresent() && (claims.getAudience() == null || !claims.getAudience().contains(audience.get()))) {
            return new Invalid(Failure.WRONG_AUDIENCE);
        }
        String subject = claims.getSubject();
        if (subject == null || subject.isBlank()) {
            return new Invalid(Failure.MALFORMED);
        }
        return new Valid(subject);
    }

    private static Optional<Result> invalid(Failure failure) {
        return Optional.of(new Invalid(failure));
    }
}
