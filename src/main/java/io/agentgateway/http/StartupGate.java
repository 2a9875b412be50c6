package io.agentgateway.http;

import java.util.function.BooleanSupplier;

import io.vertx.core.Handler;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.RoutingContext;

/**
 * The first handler of every request, WebSocket upgrades included: until the routes have started, HTTP 503 with
 * {@code {"error": ...}} and {@code Retry-After}. The server listens before the routes start (they register their
 * paths on its router as they start), and without this a request in that window got Vert.x's 404 "Resource not
 * found", which tells a load balancer or a client that the path does not exist rather than "not yet".
 * <p>
 * Once open, a request costs one volatile read; the gate never closes again.
 */
final class StartupGate implements Handler<RoutingContext> {

    static final String NOT_READY = "{\"error\":\"The gateway is starting; try again in a moment\"}";
    /** Seconds a client should wait before it asks again: start-up takes a few. */
    static final String RETRY_AFTER = "1";

    private final BooleanSupplier routesStarted;
    private volatile boolean open;

    /** @param routesStarted whether the routes have started; asked (cheaply, on the event loop) until it says yes */
    StartupGate(BooleanSupplier routesStarted) {
        this.routesStarted = routesStarted;
    }

    @Override
    public void handle(RoutingContext ctx) {
        if (open || opened()) {
            ctx.next();
            return;
        }
        ctx.response()
                .setStatusCode(503)
                .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                .putHeader(HttpHeaders.RETRY_AFTER, RETRY_AFTER)
                .end(NOT_READY);
    }

    private boolean opened() {
        if (routesStarted.getAsBoolean()) {
            open = true;
        }
        return open;
    }
}
