package io.agentgateway.ws;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.regex.Pattern;

import io.agentgateway.common.GatewayMetrics;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.net.SocketAddress;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.CorsHandler;
import org.apache.camel.CamelContext;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpRouter;
import org.apache.camel.component.vertx.websocket.VertxWebsocketComponent;
import org.apache.camel.component.vertx.websocket.VertxWebsocketConfiguration;
import org.apache.camel.component.vertx.websocket.VertxWebsocketConsumer;
import org.apache.camel.component.vertx.websocket.VertxWebsocketEndpoint;
import org.apache.camel.component.vertx.websocket.VertxWebsocketHost;
import org.apache.camel.component.vertx.websocket.VertxWebsocketHostConfiguration;
import org.apache.camel.component.vertx.websocket.VertxWebsocketHostKey;
import org.apache.camel.component.vertx.websocket.VertxWebsocketPeer;
import org.apache.camel.spi.annotations.Component;
import org.apache.camel.util.ObjectHelper;

/**
 * vertx-websocket, mounted on the platform-http server's router so that REST and WebSocket share one port
 * (the stock component starts a server of its own), with ordered per-socket consumers.
 * <p>
 * The annotation is repeated on purpose: without it Camel does not find the endpoint configurer for this class
 * and silently ignores endpoint options such as {@code fireWebSocketConnectionEvents}.
 */
@Component("vertx-websocket")
public class GatewayWebsocketComponent extends VertxWebsocketComponent {

    private final int maxMessageBytes;
    private final LaneThreads threads;
    private final GatewayMetrics metrics;
    private final FrameRate frameRate;

    /**
     * @param maxMessageBytes largest client message, for the error frame that refuses a larger one
     * @param threads         threads that run the sockets' lanes
     * @param metrics         hears of each socket opened and closed
     * @param frameRate       messages per second each socket may send, and when a flooding socket is closed
     */
    public GatewayWebsocketComponent(int maxMessageBytes, LaneThreads threads, GatewayMetrics metrics,
                                     FrameRate frameRate) {
        this.maxMessageBytes = maxMessageBytes;
        this.threads = threads;
        this.metrics = metrics;
        this.frameRate = frameRate;
    }

    @Override
    protected VertxWebsocketEndpoint createEndpointInstance(String uri, VertxWebsocketConfiguration configuration) {
        return new OrderedWebsocketEndpoint(uri, this, configuration, maxMessageBytes, threads, metrics,
                frameRate);
    }

    @Override
    public void connectConsumer(VertxWebsocketConsumer consumer) {
        if (getRouter() == null) {
            VertxPlatformHttpRouter router = VertxPlatformHttpRouter.lookup(getCamelContext(),
                    VertxPlatformHttpRouter.PLATFORM_HTTP_ROUTER_NAME_ZERO);
            if (router == null) {
                throw new IllegalStateException("The platform-http server must start before WebSocket routes");
            }
            setRouter(router);
        }
        super.connectConsumer(consumer);
    }

    @Override
    protected VertxWebsocketHost createVertxWebsocketHost(VertxWebsocketHostConfiguration hostConfiguration,
                                                          VertxWebsocketHostKey hostKey) {
        return new RouterMountedHost(getCamelContext(), hostConfiguration, hostKey);
    }

    /**
     * Adds WebSocket routes to the shared router and never starts a server of its own. Its sockets keep only what
     * their exchanges need from the handshake ({@link OrderedWebsocketConsumer#onOpen}): the stock host's handlers
     * hold the handshake's whole {@code RoutingContext} (request, response and their headers, about 2 KB) for the
     * socket's life, and keep its peers in a copy-on-write list that copies every peer at each open and close.
     */
    static final class RouterMountedHost extends VertxWebsocketHost {

        private static final Pattern PATH_PARAMETER = Pattern.compile("\\{([^/}]+)\\}");

        private final VertxWebsocketHostConfiguration configuration;
        private final Map<String, Route> routes = new ConcurrentHashMap<>();
        private final Map<String, VertxWebsocketPeer> peers = new ConcurrentHashMap<>();

        RouterMountedHost(CamelContext context, VertxWebsocketHostConfiguration configuration, VertxWebsocketHostKey key) {
            super(context, configuration, key);
            this.configuration = configuration;
        }

        @Override
        public void start() {
            // the platform-http server serves this router
        }

        @Override
        public void connect(VertxWebsocketConsumer consumer) {
            if (!(consumer instanceof OrderedWebsocketConsumer ordered)) {
                super.connect(consumer);
                return;
            }
            VertxWebsocketConfiguration endpoint = consumer.getEndpoint().getConfiguration();
            String rawPath = endpoint.getWebsocketURI().getPath();
            // Camel's /path/{key} is Vert.x web's /path/:key
            Route route = configuration.getRouter().route(PATH_PARAMETER.matcher(rawPath).replaceAll(":$1"));
            if (!ObjectHelper.isEmpty(endpoint.getAllowedOriginPattern())) {
                route.handler(CorsHandler.create().addRelativeOrigin(endpoint.getAllowedOriginPattern()));
            }
            boolean events = endpoint.isFireWebSocketConnectionEvents();
            route.handler(ctx -> upgrade(ctx, ordered, rawPath, events));
            routes.put(rawPath, route);
        }

        private void upgrade(RoutingContext ctx, OrderedWebsocketConsumer consumer, String rawPath, boolean events) {
            HttpServerRequest request = ctx.request();
            String connection = request.headers().get(HttpHeaders.CONNECTION);
            if (connection == null || !connection.toLowerCase(Locale.ROOT).contains("upgrade")) {
                ctx.response().setStatusCode(400).end("Can \"Upgrade\" only to \"WebSocket\".");
                return;
            }
            // the upgrade is asynchronous: a paused request keeps what arrives meanwhile
            boolean parseEnded = request.isEnded();
            if (!parseEnded) {
                request.pause();
            }
            request.toWebSocket().onComplete(upgraded -> {
                if (upgraded.failed()) {
                    ctx.fail(upgraded.cause());
                    return;
                }
                if (!parseEnded) {
                    request.resume();
                }
                ServerWebSocket webSocket = upgraded.result();
                VertxWebsocketPeer peer = new VertxWebsocketPeer(webSocket, rawPath);
                String key = peer.getConnectionKey();
                SocketAddress remote = webSocket.remoteAddress();
                peers.put(key, peer);
                // from here on the socket's handlers see the handshake as the consumer kept it, not ctx
                consumer.accepted(key, ctx);
                webSocket.textMessageHandler(message -> consumer.onMessage(key, message, remote, null));
                webSocket.binaryMessageHandler(message -> consumer.onMessage(key, message.getBytes(), remote, null));
                webSocket.exceptionHandler(failure -> consumer.onException(key, failure, remote, null));
                webSocket.closeHandler(closed -> {
                    if (events) {
                        consumer.onClose(key, remote, null);
                    }
                    peers.remove(key);
                    consumer.forget(key);
                });
                if (events) {
                    consumer.onOpen(key, remote, ctx, webSocket);
                }
            });
        }

        @Override
        public void disconnect(String path) {
            Route route = routes.remove(path);
            if (route != null) {
                route.remove();
            } else {
                super.disconnect(path);
            }
        }

        @Override
        public void stop() throws ExecutionException, InterruptedException {
            peers.clear();
            routes.clear();
            super.stop();
        }

        @Override
        public List<VertxWebsocketPeer> getConnectedPeers() {
            return new ArrayList<>(peers.values());
        }

        @Override
        public VertxWebsocketPeer getConnectedPeer(String connectionKey) {
            return peers.get(connectionKey);
        }
    }
}
