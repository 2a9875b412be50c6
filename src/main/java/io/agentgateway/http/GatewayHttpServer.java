package io.agentgateway.http;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.agentgateway.ws.ProtocolStrictness;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.RoutingContext;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpRouter;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpServer;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpServerConfiguration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one HTTP server for REST, the demo agent and WebSockets. It is camel-platform-http-vertx's server with
 * WebSocket size limits of our own: the stock one (and {@code camel.server.*}) leaves Vert.x's 64 KB frame /
 * 256 KB message defaults, and drops larger frames without a word to the client.
 */
public class GatewayHttpServer extends VertxPlatformHttpServer {

    private static final Logger LOG = LoggerFactory.getLogger(GatewayHttpServer.class);

    /** A handler that runs before the WebSocket upgrade on the given paths (auth, origin checks). */
    public record Guard(List<String> paths, Handler<RoutingContext> handler) {
    }

    private final String host;
    private final int port;
    private final int maxMessageBytes;
    private final List<Guard> guards;
    private final Duration wsPingInterval;
    private final Duration wsIdleTimeout;
    private HttpServer server;

    /**
     * @param maxMessageBytes largest WebSocket message; a single frame may be up to twice that before Vert.x cuts
     *                        the connection (close 1009), so that a message just over the limit still gets
     *                        an error frame
     * @param wsPingInterval  client silence after which a WebSocket is pinged
     * @param wsIdleTimeout   client silence after which a WebSocket is closed (1001)
     */
    public GatewayHttpServer(VertxPlatformHttpServerConfiguration configuration, String host, int port,
                             int maxMessageBytes, List<Guard> guards, Duration wsPingInterval, Duration wsIdleTimeout) {
        super(withRouterNameZero(configuration));
        this.host = host;
        this.port = port;
        this.maxMessageBytes = maxMessageBytes;
        this.guards = guards;
        this.wsPingInterval = wsPingInterval;
        this.wsIdleTimeout = wsIdleTimeout;
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
        VertxPlatformHttpRouter router = VertxPlatformHttpRouter.lookup(getCamelContext(),
                VertxPlatformHttpRouter.PLATFORM_HTTP_ROUTER_NAME_ZERO);
        for (Guard guard : guards) {
            for (String path : guard.paths()) {
                router.route(path).order(-1000).handler(guard.handler());
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
        ProtocolStrictness strictness = new ProtocolStrictness(maxFrameBytes, wsPingInterval, wsIdleTimeout);
        server = getVertx().createHttpServer(options).requestHandler(strictness.guarding(router));
        server.listen().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        LOG.info("agent-gateway listening on {}:{}", host, server.actualPort());
    }

    @Override
    protected void stopServer() {
        if (server != null) {
            try {
                server.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
            } catch (Exception e) {
                LOG.warn("HTTP server did not close cleanly: {}", e.getMessage());
            }
            server = null;
        }
    }

    @Override
    public int getPort() {
        return server != null ? server.actualPort() : port;
    }
}
