package io.agentgateway.auth;

import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import io.agentgateway.common.GatewayHeaders;
import org.apache.camel.CamelContext;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.component.vertx.websocket.VertxWebsocketEvent;

/**
 * A WebSocket route added to a running gateway at {@code /ws/probe/{tag}} (so the handshake guard covers it) that
 * records the {@link GatewayHeaders#IDENTITY} header each socket's OPEN exchange carries: what any route sees.
 */
final class IdentityProbe {

    static final String NONE = "<none>";

    private final BlockingQueue<String> opened = new LinkedBlockingQueue<>();

    IdentityProbe(CamelContext context) throws Exception {
        RouteBuilder.addRoutes(context, rb -> rb
                .from("vertx-websocket:/ws/probe/{tag}?fireWebSocketConnectionEvents=true").routeId("identity-probe")
                .process(e -> {
                    if (e.getMessage().getHeader(GatewayHeaders.WS_EVENT) == VertxWebsocketEvent.OPEN) {
                        opened.add(e.getMessage().getHeader("tag") + " "
                                + e.getMessage().getHeader(GatewayHeaders.IDENTITY, NONE, String.class));
                    }
                }));
        // the supervising route controller (camel.routecontroller.enabled) leaves a route added later stopped
        if (!context.getRouteController().getRouteStatus("identity-probe").isStarted()) {
            context.getRouteController().startRoute("identity-probe");
        }
    }

    /** The identity the OPEN of the socket tagged {@code tag} carried. */
    String identityOf(String tag) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            String next = opened.poll(100, TimeUnit.MILLISECONDS);
            if (next != null && next.startsWith(tag + " ")) {
                return next.substring(tag.length() + 1);
            }
        }
        throw new AssertionError("no OPEN for probe socket " + tag);
    }
}
