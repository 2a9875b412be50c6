package io.agentgateway.auth;

import java.util.Optional;

import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;

/**
 * Who may open a WebSocket, and as whom. Two credentials, either or both configured:
 * <ul>
 *   <li>a JWT ({@code GATEWAY__JWT_SECRET}, {@code GATEWAY__JWT_PUBLIC_KEY} or {@code GATEWAY__JWKS_URL}): the
 *       identity is its {@code sub};</li>
 *   <li>the seed token ({@code FIXED_SECRET}) with {@code appid}: the identity is the {@code appid}.</li>
 * </ul>
 * The token is taken from {@code Authorization: Bearer} if present, else from {@code ?token=}. When both schemes
 * are configured, a token of three dot-separated parts is checked as a JWT and anything else as a seed token (seed
 * tokens are 10 hex characters, so they never look like a JWT). With one scheme, every token is checked by it.
 * With neither, auth is off and connections have no identity.
 */
public final class WebsocketAuth {

    /** What to do with a handshake. */
    public sealed interface Decision permits Allowed, Refused, NeedsKeyFetch {
    }

    /** @param identity the {@code sub} or {@code appid}; empty when auth is off */
    public record Allowed(Optional<String> identity) implements Decision {
    }

    /** @param error the {@code error} of the JSON refusal; never quotes the token */
    public record Refused(int status, String error) implements Decision {
    }

    /** A JWT whose key must be fetched: check it with {@link #decideWithKeyFetch} on a worker thread. */
    public record NeedsKeyFetch(String token) implements Decision {
    }

    /** What a handshake presented. */
    public record Credentials(String appid, String token) {
        public static Credentials of(HttpServerRequest request) {
            String bearer = bearer(request.getHeader(HttpHeaders.AUTHORIZATION));
            return new Credentials(request.getParam("appid"), bearer != null ? bearer : request.getParam("token"));
        }

        private static String bearer(String authorization) {
            if (authorization == null || authorization.length() < 7
                    || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
                return null;
            }
            String token = authorization.substring(7).trim();
            return token.isEmpty() ? null : token;
        }
    }

    private final Optional<TokenVerifier> seed;
    private final Optional<JwtVerifier> jwt;

    public WebsocketAuth(Optional<TokenVerifier> seed, Optional<JwtVerifier> jwt) {
        this.seed = seed;
        this.jwt = jwt;
    }

    public boolean enabled() {
        return seed.isPresent() || jwt.isPresent();
    }

    /** Decides without blocking (it may run on an event loop); a JWT whose key is not cached yet is deferred. */
    public Decision decide(Credentials credentials) {
        if (!enabled()) {
            return new Allowed(Optional.empty());
        }
        String token = credentials.token();
        if (token == null || token.isEmpty()) {
            return new Refused(401, missingCredentials());
        }
        if (jwt.isPresent() && (seed.isEmpty() || JwtVerifier.looksLikeJwt(token))) {
            return jwt.get().verifyWithCachedKeys(token).map(WebsocketAuth::decision)
                    .orElseGet(() -> new NeedsKeyFetch(token));
        }
        String appid = credentials.appid();
        if (appid == null || appid.isEmpty()) {
            return new Refused(401, "Missing credentials: appid and token query parameters are required");
        }
        return seed.get().verify(appid, token)
                ? new Allowed(Optional.of(appid))
                : new Refused(401, "Invalid token for appid");
    }

    /** Checks a deferred JWT, fetching its key: blocks, so only on a worker thread. */
    public Decision decideWithKeyFetch(String token) {
        return decision(jwt.orElseThrow().verify(token));
    }

    private static Decision decision(JwtVerifier.Result result) {
        if (result instanceof JwtVerifier.Valid valid) {
            return new Allowed(Optional.of(valid.subject()));
        }
        JwtVerifier.Failure failure = ((JwtVerifier.Invalid) result).failure();
        return new Refused(failure.status(), failure.message());
    }

    private String missingCredentials() {
        if (seed.isEmpty()) {
            return "Missing credentials: a JWT is required as the token query parameter or an Authorization: Bearer header";
        }
        if (jwt.isEmpty()) {
            return "Missing credentials: appid and token query parameters are required";
        }
        return "Missing credentials: a JWT (token query parameter or Authorization: Bearer header), "
                + "or appid and token query parameters, is required";
    }
}
