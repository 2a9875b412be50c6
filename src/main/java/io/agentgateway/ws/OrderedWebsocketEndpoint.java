package io.agentgateway.ws;

import io.agentgateway.common.GatewayMetrics;
import org.apache.camel.Consumer;
import org.apache.camel.Processor;
import org.apache.camel.component.vertx.websocket.VertxWebsocketConfiguration;
import org.apache.camel.component.vertx.websocket.VertxWebsocketEndpoint;

/** A vertx-websocket endpoint whose server consumer keeps each socket's events in order. */
public class OrderedWebsocketEndpoint extends VertxWebsocketEndpoint {

    private final int maxMessageBytes;
    private final LaneThreads threads;
    private final GatewayMetrics metrics;
    private final FrameRate frameRate;

    public OrderedWebsocketEndpoint(String uri, GatewayWebsocketComponent component,
                                    VertxWebsocketConfiguration configuration, int maxMessageBytes, LaneThreads threads,
                                    GatewayMetrics metrics, FrameRate frameRate) {
        super(uri, component, configuration);
        this.maxMessageBytes = maxMessageBytes;
        this.threads = threads;
        this.metrics = metrics;
        this.frameRate = frameRate;
    }

    @Override
    public Consumer createConsumer(Processor processor) throws Exception {
        if (getConfiguration().isConsumeAsClient()) {
            return super.createConsumer(processor);
        }
        Consumer consumer = new OrderedWebsocketConsumer(this, processor, maxMessageBytes, threads, metrics,
                frameRate);
        configureConsumer(consumer);
        return consumer;
    }
}
