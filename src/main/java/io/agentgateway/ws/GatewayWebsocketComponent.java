package io.agentgateway.ws;

import io.agentgateway.common.GatewayMetrics;
import org.apache.camel.CamelContext;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpRouter;
import org.apache.camel.component.vertx.websocket.VertxWebsocketComponent;
import org.apache.camel.component.vertx.websocket.VertxWebsocketConfiguration;
import org.apache.camel.component.vertx.websocket.VertxWebsocketConsumer;
import org.apache.camel.component.vertx.websocket.VertxWebsocketEndpoint;
import org.apache.camel.component.vertx.websocket.VertxWebsocketHost;
import org.apache.camel.component.vertx.websocket.VertxWebsocketHostConfiguration;
import org.apache.camel.component.vertx.websocket.VertxWebsocketHostKey;
import org.apache.camel.spi.annotations.Component;

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

    /** Adds WebSocket routes to the shared router and never starts a server of its own. */
    static final class RouterMountedHost extends VertxWebsocketHost {

        RouterMountedHost(CamelContext context, VertxWebsocketHostConfiguration configuration, VertxWebsocketHostKey key) {
            super(context, configuration, key);
        }

        @Override
        public void start() {
            // the platform-http server serves this router
        }
    }
}
