package io.agentgateway.auth;

import java.util.List;
import java.util.Optional;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.RoutingContext;

/**
 * Runs before the WebSocket upgrade: refuses a bad {@code appid}/{@code token} with HTTP 401 and a browser
 * origin outside {@code CORS_ORIGINS} with 403, so a refused client never gets a socket. The check is synchronous
 * (a hash), so the request need not be paused.
 */
public final class HandshakeGuard implements Handler<RoutingContext> {

    private final Optional<TokenVerifier> verifier;
    private final List<String> allowedOrigins;

    /**
     * @param verifier       empty when auth is off
     * @param allowedOrigins {@code *} for any
     */
    public HandshakeGuard(Optional<TokenVerifier> verifier, List<String> allowedOrigins) {
        this.verifier = verifier;
        this.allowedOrigins = allowedOrigins;
    }

    @Override
    public void handle(RoutingContext ctx) {
        String origin = ctx.request().getHeader(HttpHeaders.ORIGIN);
        if (origin != null && !allowedOrigins.contains("*") && !allowedOrigins.contains(origin)) {
            refuse(ctx, 403, "Origin not allowed: " + origin);
            return;
        }
        if (verifier.isPresent()) {
            String appid = ctx.request().getParam("appid");
            String token = ctx.request().getParam("token");
            if (appid == null || appid.isEmpty() || token == null || token.isEmpty()) {
                refuse(ctx, 401, "Missing credentials: appid and token query parameters are required");
                return;
            }
            if (!verifier.get().verify(appid, token)) {
                refuse(ctx, 401, "Invalid token for appid");
                return;
            }
        }
        ctx.next();
    }

    private static void refuse(RoutingContext ctx, int status, String message) {
        ctx.response()
                .setStatusCode(status)
                .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                .end(JsonNodeFactory.instance.objectNode().put("error", message).toString());
    }
}
