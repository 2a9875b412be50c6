package io.agentgateway.http;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

import io.netty.channel.WriteBufferWaterMark;
import io.vertx.core.AbstractVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.impl.ConnectionBase;
import io.vertx.ext.web.RoutingContext;
import org.apache.camel.CamelContext;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpRouter;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpServer;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpServerConfiguration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one HTTP server for REST, the demo agent and WebSockets. It is camel-platform-http-vertx's server with
 * WebSocket size limits of our own: the stock one (and {@code camel.server.*}) leaves Vert.x's 64 KB frame /
 * 256 KB message defaults, and drops larger frames without a word to the client. It answers 503 until the routes
 * have started ({@link StartupGate}).
 * <p>
 * It listens on several event loops ({@code eventLoops}): Vert.x binds the port once and hands each new connection
 * to the next of them, so that the sockets' frames and their agents' streams (which start on the socket's loop)
 * spread over the cores instead of sharing one thread.
 */
public class GatewayHttpServer extends VertxPlatformHttpServer {

    private static final Logger LOG = LoggerFactory.getLogger(GatewayHttpServer.class);
    /** Before every other handler, the guards' included. */
    private static final int STARTUP_GATE_ORDER = -2000;
    private static final int GUARD_ORDER = -1000;

    /** A handler that runs before the WebSocket upgrade on the given paths (auth, origin checks). */
    public record Guard(List<String> paths, Handler<RoutingContext> handler) {
    }

    private final String host;
    private final int port;
    private final int maxMessageBytes;
    private final int sendBufferBytes;
    private final List<Guard> guards;
    private final UnaryOperator<Handler<HttpServerRequest>> connectionGuard;
    private final int eventLoops;
    /** the verticles whose servers listen, one per event loop */
    private final List<String> deployments = new ArrayList<>();
    private volatile int actualPort;

    /**
     * @param maxMessageBytes largest WebSocket message; a single frame may be up to twice that before Vert.x cuts
     *                        the connection (close 1009), so that a message just over the limit still gets
     *                        an error frame
     * @param sendBufferBytes each connection's kernel send buffer (SO_SNDBUF), 0 for the system's: a small one makes
     *                        a slow client's socket report itself full sooner, so the frames waiting for it stay
     *                        in its session stream (merged, bounded) rather than in the kernel. It also bounds the
     *                        connection's write queue in the process (Netty's high-water mark, 64 KiB by default),
     *                        which is the other place frames wait unmerged
     * @param connectionGuard wraps the server's request handler: the WebSocket edge's protocol strictness
     *                        (ws/ProtocolStrictness), which works below the router on each upgraded connection
     * @param eventLoops      how many event loops serve connections (GATEWAY__EVENT_LOOPS)
     */
    public GatewayHttpServer(VertxPlatformHttpServerConfiguration configuration, String host, int port,
                             int maxMessageBytes, int sendBufferBytes, List<Guard> guards,
                             UnaryOperator<Handler<HttpServerRequest>> connectionGuard, int eventLoops) {
        super(withRouterNameZero(configuration));
        this.host = host;
        this.port = port;
        this.maxMessageBytes = maxMessageBytes;
        this.sendBufferBytes = sendBufferBytes;
        this.guards = guards;
        this.connectionGuard = connectionGuard;
        this.eventLoops = eventLoops;
    }

    private static VertxPlatformHttpServerConfiguration withRouterNameZero(VertxPlatformHttpServerConfiguration c) {
        // The router is registered under the configured port's name; platform-http consumers fall back to the
        // "-0" name, so binding it there lets every consumer find it whatever port we listen on.
        c.setBindPort(0);
        c.setPath("/");
        return c;
    }

    @Override
    protected void startServer() throws Exception {
        CamelContext context = getCamelContext();
        VertxPlatformHttpRouter router = VertxPlatformHttpRouter.lookup(context,
                VertxPlatformHttpRouter.PLATFORM_HTTP_ROUTER_NAME_ZERO);
        router.route().order(STARTUP_GATE_ORDER).handler(new StartupGate(() -> routesStarted(context)));
        for (Guard guard : guards) {
            for (String path : guard.paths()) {
                router.route(path).order(GUARD_ORDER).handler(guard.handler());
            }
        }
        int maxFrameBytes = (int) Math.min(Integer.MAX_VALUE, 2L * maxMessageBytes);
        HttpServerOptions options = new HttpServerOptions()
                .setHost(host)
                .setPort(port)
                .setMaxWebSocketMessageSize(maxMessageBytes)
                .setMaxWebSocketFrameSize(maxFrameBytes)
                // No permessage-deflate: with compression support on, Netty accepts RSV bits that nothing negotiated.
                .setPerMessageWebSocketCompressionSupported(false)
                .setPerFrameWebSocketCompressionSupported(false);
        if (sendBufferBytes > 0) {
            options.setSendBufferSize(sendBufferBytes);
        }
        Handler<HttpServerRequest> handler = connectionGuard.apply(router);
        // Vert.x's way to serve on several event loops: one verticle instance per loop, each with a server on the
        // same port; the first binds it (its actual port when the configured one is 0), the others share it
        HttpServer first = deploy(options, handler, 1);
        actualPort = first.actualPort();
        options.setPort(actualPort);
        if (eventLoops > 1) {
            deploy(options, handler, eventLoops - 1);
        }
        LOG.info("agent-gateway listening on {}:{} ({} event loops)", host, actualPort, eventLoops);
    }

    /** Deploys {@code instances} servers, each on an event loop of its own; returns one of them. */
    private HttpServer deploy(HttpServerOptions options, Handler<HttpServerRequest> handler, int instances)
            throws Exception {
        List<HttpServer> started = new CopyOnWriteArrayList<>();
        String id = getVertx().deployVerticle(() -> new AbstractVerticle() {
            @Override
            public void start(Promise<Void> ready) {
                vertx.createHttpServer(new HttpServerOptions(options))
                        .connectionHandler(GatewayHttpServer.this::boundWriteQueue)
                        .requestHandler(handler).listen()
                        .onSuccess(started::add).<Void>mapEmpty().onComplete(ready);
            }
        }, new DeploymentOptions().setInstances(instances)).toCompletionStage().toCompletableFuture()
                .get(30, TimeUnit.SECONDS);
        synchronized (deployments) {
            deployments.add(id);
        }
        return started.get(0);
    }

    /** A connection's write queue counts as full past the send buffer's size too (see the constructor). */
    private void boundWriteQueue(HttpConnection connection) {
        if (sendBufferBytes > 0 && connection instanceof ConnectionBase base) {
            base.channel().config().setWriteBufferWaterMark(
                    new WriteBufferWaterMark(sendBufferBytes / 2, sendBufferBytes));
        }
    }

    /**
     * This server starts with the CamelContext's services, before the routes. The context counts as started before
     * its routes, too: the supervising route controller (camel.routecontroller.enabled) starts them afterwards, and
     * says it is still starting routes until its first round is done (a route that failed then, such as a Redis
     * subscription while Redis is down, is retried in the background and does not hold the gate).
     */
    private static boolean routesStarted(CamelContext context) {
        return context.isStarted() && !context.getRouteController().isStartingRoutes();
    }

    @Override
    protected void stopServer() {
        List<String> running;
        synchronized (deployments) {
            running = List.copyOf(deployments);
            deployments.clear();
        }
        for (String id : running) {
            try {
                // undeploying a verticle closes the servers it started
                getVertx().undeploy(id).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
            } catch (Exception e) {
                LOG.warn("HTTP server did not close cleanly: {}", e.getMessage());
            }
        }
        actualPort = 0;
    }

    @Override
    public int getPort() {
        int actual = actualPort;
        return actual != 0 ? actual : port;
    }
}
