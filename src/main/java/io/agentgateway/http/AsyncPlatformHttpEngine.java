package io.agentgateway.http;

import org.apache.camel.Processor;
import org.apache.camel.component.platform.http.PlatformHttpEndpoint;
import org.apache.camel.component.platform.http.spi.PlatformHttpConsumer;
import org.apache.camel.component.platform.http.vertx.AsyncVertxPlatformHttpConsumer;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpEngine;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpRouter;

/** The Vert.x platform-http engine, with consumers that hold no thread while a route waits. */
public class AsyncPlatformHttpEngine extends VertxPlatformHttpEngine {

    @Override
    public PlatformHttpConsumer createConsumer(PlatformHttpEndpoint endpoint, Processor processor) {
        return new AsyncVertxPlatformHttpConsumer(endpoint, processor, getHandlers(),
                VertxPlatformHttpRouter.PLATFORM_HTTP_ROUTER_NAME_ZERO);
    }
}
