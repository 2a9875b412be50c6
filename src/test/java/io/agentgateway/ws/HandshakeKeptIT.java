package io.agentgateway.ws;

import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import io.agentgateway.common.GatewayHeaders;
import io.agentgateway.testing.RunningGateway;
import io.agentgateway.testing.WsClient;
import io.vertx.ext.web.RoutingContext;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpRouter;
import org.apache.camel.component.vertx.websocket.VertxWebsocketEvent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A socket keeps what its exchanges need from its handshake, not the handshake: every event still carries the
 * handshake's query and path parameters (but never the credential), and the handshake's RoutingContext (with its
 * request, response and headers) can be collected while the socket stays open.
 */
class HandshakeKeptIT {

    private RunningGateway gateway;
    /** each probe exchange: its event and the headers a route would read */
    private final BlockingQueue<Map<String, Object>> seen = new LinkedBlockingQueue<>();
    private final List<WeakReference<RoutingContext>> handshakes = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws Exception {
        gateway = RunningGateway.builder().start();
        // before the WebSocket route's own handler: remembers each probe handshake, weakly
        VertxPlatformHttpRouter.lookup(gateway.context(), VertxPlatformHttpRouter.PLATFORM_HTTP_ROUTER_NAME_ZERO)
                .route("/ws/kept/*").order(-1000).handler(ctx -> {
                    handshakes.add(new WeakReference<>(ctx));
                    ctx.next();
                });
        RouteBuilder.addRoutes(gateway.context(), rb -> rb
                .from("vertx-websocket:/ws/kept/{tag}?fireWebSocketConnectionEvents=true").routeId("handshake-probe")
                .process(e -> {
                    VertxWebsocketEvent event = e.getMessage().getHeader(GatewayHeaders.WS_EVENT,
                            VertxWebsocketEvent.class);
                    Map<String, Object> headers = new java.util.HashMap<>();
                    headers.put("event", event);
                    for (String name : List.of("tag", "extra", "token")) {
                        Object value = e.getMessage().getHeader(name);
                        if (value != null) {
                            headers.put(name, value);
                        }
                    }
                    seen.add(headers);
                }));
        if (!gateway.context().getRouteController().getRouteStatus("handshake-probe").isStarted()) {
            gateway.context().getRouteController().startRoute("handshake-probe");
        }
    }

    @AfterEach
    void stop() {
        gateway.close();
    }

    @Test
    void everyEventCarriesTheHandshakeParametersButNotTheCredential() throws Exception {
        try (WsClient ws = gateway.connect("/ws/kept/t1?extra=one&token=not-for-routes")) {
            assertThat(next()).containsOnly(Map.entry("event", VertxWebsocketEvent.OPEN), Map.entry("tag", "t1"),
                    Map.entry("extra", "one"));
            ws.send("{\"type\":\"ping\"}");
            assertThat(next()).containsOnly(Map.entry("event", VertxWebsocketEvent.MESSAGE), Map.entry("tag", "t1"),
                    Map.entry("extra", "one"));
        }
        assertThat(next()).containsOnly(Map.entry("event", VertxWebsocketEvent.CLOSE), Map.entry("tag", "t1"),
                Map.entry("extra", "one"));
    }

    @Test
    void theHandshakeIsNotKeptByAnOpenSocket() throws Exception {
        try (WsClient ws = gateway.connect("/ws/kept/t2?extra=two")) {
            ws.send("{\"type\":\"ping\"}");
            assertThat(next()).containsEntry("event", VertxWebsocketEvent.OPEN);
            assertThat(next()).containsEntry("event", VertxWebsocketEvent.MESSAGE);
            assertThat(handshakes).hasSize(1);
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (handshakes.get(0).get() != null && System.nanoTime() < deadline) {
                System.gc();
                Thread.sleep(50);
            }
            assertThat(handshakes.get(0).get()).as("the handshake's RoutingContext, collected").isNull();
            // and the socket still works
            ws.send("{\"type\":\"ping\"}");
            assertThat(next()).containsEntry("event", VertxWebsocketEvent.MESSAGE).containsEntry("extra", "two");
        }
    }

    private Map<String, Object> next() throws InterruptedException {
        Map<String, Object> headers = seen.poll(10, TimeUnit.SECONDS);
        assertThat(headers).as("a probe exchange within 10 s").isNotNull();
        return headers;
    }
}
