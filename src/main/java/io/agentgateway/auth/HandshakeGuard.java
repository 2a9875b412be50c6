package io.agentgateway.auth;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.agentgateway.common.GatewayHeaders;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;

/**
 * Runs on the WebSocket paths before the upgrade, so a refused client never gets a socket. In order:
 * <ol>
 *   <li>a browser {@code Origin} outside {@code CORS_ORIGINS}: 403;</li>
 *   <li>auth ({@link WebsocketAuth}): 401 naming the reason, or 503 when a JWKS cannot be read;</li>
 *   <li>connection limits ({@link ConnectionLimits}), for upgrade requests only: 503 when this instance is full,
 *       429 when the identity is.</li>
 * </ol>
 * An admitted identity is put on the RoutingContext under {@link GatewayHeaders#IDENTITY}; the WebSocket consumer
 * copies it onto every exchange of that socket as the header of the same name. A client's own
 * {@code GatewayIdentity} header is removed here and its query parameter of that name by the consumer.
 * <p>
 * A JWT whose key is not cached (JWKS) is checked on a worker thread. The request is paused meanwhile: otherwise
 * Vert.x reads the end of the request, and the upgrade then fails with "Request has already been read".
 * <p>
 * A counted connection gives its slot back when its TCP connection closes; this guard owns the HTTP connection's
 * close handler on these paths for that.
 */
public final class HandshakeGuard implements Handler<RoutingContext> {

    private static final String GUARDED = HandshakeGuard.class.getName();
    private static final String CHAT_PATH = "/ws/";

    /** Who owns a chat session: {@code claim} is true when it is unclaimed (now claimed) or the identity's own. */
    @FunctionalInterface
    public interface SessionClaims {
        boolean claim(String sessionId, String identity);

        /** True when claim asks a remote store (Redis): it then runs on a worker, never on the event loop. */
        default boolean blocking() {
            return false;
        }
    }

    private final WebsocketAuth auth;
    private final ConnectionLimits limits;
    private final List<String> allowedOrigins;
    private final SessionClaims claims;
    private final Map<HttpConnection, ConnectionLimits.Lease> leases = new ConcurrentHashMap<>();

    /**
     * @param allowedOrigins {@code *} for any
     * @param claims         chat sessions' owners: with auth on, a session belongs to the identity that opened it
     */
    public HandshakeGuard(WebsocketAuth auth, ConnectionLimits limits, List<String> allowedOrigins,
                          SessionClaims claims) {
        this.auth = auth;
        this.limits = limits;
        this.allowedOrigins = allowedOrigins;
        this.claims = claims;
    }

    @Override
    public void handle(RoutingContext ctx) {
        // mounted on "/ws" and "/ws/*", both of which match /ws: check and count each request once
        if (ctx.get(GUARDED) != null) {
            ctx.next();
            return;
        }
        ctx.put(GUARDED, Boolean.TRUE);
        HttpServerRequest request = ctx.request();
        String origin = request.getHeader(HttpHeaders.ORIGIN);
        if (origin != null && !allowedOrigins.contains("*") && !allowedOrigins.contains(origin)) {
            refuse(ctx, 403, "Origin not allowed: " + origin);
            return;
        }
        request.headers().remove(GatewayHeaders.IDENTITY);
        WebsocketAuth.Decision decision = auth.decide(WebsocketAuth.Credentials.of(request));
        if (decision instanceof WebsocketAuth.NeedsKeyFetch deferred) {
            request.pause();
            ctx.vertx().executeBlocking(() -> auth.decideWithKeyFetch(deferred.token()), false)
                    .onComplete(ar -> {
                        // resume first: Vert.x delivers what it held on a later turn of the event loop, by which
                        // time the upgrade handler has paused the request again for itself
                        request.resume();
                        if (request.response().closed()) {
                            return; // the client went away while we checked
                        }
                        conclude(ctx, ar.succeeded() ? ar.result()
                                : new WebsocketAuth.Refused(503, "Cannot check the token now, try again later"));
                    });
            return;
        }
        conclude(ctx, decision);
    }

    private void conclude(RoutingContext ctx, WebsocketAuth.Decision decision) {
        if (decision instanceof WebsocketAuth.Refused refused) {
            refuse(ctx, refused.status(), refused.error());
        } else if (decision instanceof WebsocketAuth.Allowed allowed) {
            admit(ctx, allowed.identity());
        } else {
            throw new IllegalStateException("Undecided handshake: " + decision);
        }
    }

    private void admit(RoutingContext ctx, Optional<String> identity) {
        identity.ifPresent(id -> ctx.put(GatewayHeaders.IDENTITY, id));
        HttpServerRequest request = ctx.request();
        String sessionId = chatSession(request.path());
        if (identity.isEmpty() || sessionId == null) {
            admitOwned(ctx, identity);
            return;
        }
        // nobody reads another application's answers by guessing a session id
        if (!claims.blocking()) {
            if (claims.claim(sessionId, identity.get())) {
                admitOwned(ctx, identity);
            } else {
                refuseForeign(ctx, sessionId);
            }
            return;
        }
        request.pause();
        ctx.vertx().executeBlocking(() -> claims.claim(sessionId, identity.get()), false).onComplete(ar -> {
            request.resume();
            if (request.response().closed()) {
                return;
            }
            if (ar.succeeded() && ar.result()) {
                admitOwned(ctx, identity);
            } else if (ar.succeeded()) {
                refuseForeign(ctx, sessionId);
            } else {
                refuse(ctx, 503, "Cannot check who owns the session now, try again later");
            }
        });
    }

    private static void refuseForeign(RoutingContext ctx, String sessionId) {
        refuse(ctx, 403, "Session " + sessionId + " belongs to another application");
    }

    private void admitOwned(RoutingContext ctx, Optional<String> identity) {
        HttpServerRequest request = ctx.request();
        if (!isUpgrade(request)) {
            ctx.next(); // never becomes a socket (the WebSocket route answers 400): nothing to count
            return;
        }
        if (!limits.blocking()) {
            counted(ctx, limits.tryAcquire(identity));
            return;
        }
        request.pause();
        ctx.vertx().executeBlocking(() -> limits.tryAcquire(identity), false).onComplete(ar -> {
            request.resume();
            if (ar.failed()) {
                refuse(ctx, 503, "Cannot count connections now, try again later");
                return;
            }
            if (request.response().closed()) {
                if (ar.result().isAdmitted()) {
                    ar.result().lease().release(); // the client went away meanwhile
                }
                return;
            }
            counted(ctx, ar.result());
        });
    }

    /** Admits (holding the lease until the TCP connection closes) or refuses, as the count says. */
    private void counted(RoutingContext ctx, ConnectionLimits.Admission admission) {
        HttpServerRequest request = ctx.request();
        if (!admission.isAdmitted()) {
            if (admission.refusal() == ConnectionLimits.Refusal.INSTANCE_FULL) {
                refuse(ctx, 503, "Too many connections: this gateway instance holds its limit of "
                        + limits.maxConnections());
            } else {
                refuse(ctx, 429, "Too many connections for this identity: the limit is "
                        + limits.maxConnectionsPerIdentity());
            }
            return;
        }
        HttpConnection connection = request.connection();
        ConnectionLimits.Lease earlier = leases.put(connection, admission.lease());
        if (earlier != null) {
            earlier.release(); // an earlier handshake on this connection did not become a socket
        }
        connection.closeHandler(v -> releaseFor(connection));
        if (request.response().closed()) {
            releaseFor(connection); // closed before the handler was set: it will not run
            return;
        }
        ctx.next();
    }

    private void releaseFor(HttpConnection connection) {
        ConnectionLimits.Lease lease = leases.remove(connection);
        if (lease != null) {
            lease.release();
        }
    }

    /** The session id of a {@code /ws/{session_id}} path, decoded as the route decodes it; null for other paths. */
    static String chatSession(String path) {
        if (path == null || !path.startsWith(CHAT_PATH) || path.length() == CHAT_PATH.length()
            || path.indexOf('/', CHAT_PATH.length()) >= 0) {
            return null;
        }
        return URLDecoder.decode(path.substring(CHAT_PATH.length()).replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    private static boolean isUpgrade(HttpServerRequest request) {
        String connection = request.getHeader(HttpHeaders.CONNECTION);
        String upgrade = request.getHeader(HttpHeaders.UPGRADE);
        return request.method() == HttpMethod.GET
                && connection != null && connection.toLowerCase().contains("upgrade")
                && upgrade != null && upgrade.toLowerCase().contains("websocket");
    }

    private static void refuse(RoutingContext ctx, int status, String message) {
        ctx.response()
                .setStatusCode(status)
                .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                .end(JsonNodeFactory.instance.objectNode().put("error", message).toString());
    }
}
