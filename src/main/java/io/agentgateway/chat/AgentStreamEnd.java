package io.agentgateway.chat;

import java.util.HashMap;
import java.util.Map;

import io.agentgateway.common.GatewayHeaders;
import org.apache.camel.AsyncProducer;
import org.apache.camel.Endpoint;
import org.apache.camel.Exchange;
import org.apache.camel.component.direct.DirectEndpoint;
import org.apache.camel.support.service.ServiceHelper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where an agent stream's end goes once its answer is under way ({@code agent-stream}'s {@code streamEnd} option): a
 * new exchange to that endpoint, with the call's exchange properties and, if the stream failed, the failure in
 * {@link GatewayHeaders#AGENT_STREAM_FAILURE}. The call's own exchange completed when the answer began, so that its
 * route state (error-handler and pipeline tasks, timer samples) is not held for the answer's whole length.
 */
final class AgentStreamEnd {

    private static final Logger LOG = LoggerFactory.getLogger(AgentStreamEnd.class);

    /** The final of an answer whose end came while the gateway stops (its route gone). */
    static final String STOPPING = "Answer cut off: this gateway instance is stopping; ask again";

    private final Endpoint endpoint;
    private final AsyncProducer producer;

    AgentStreamEnd(Endpoint endpoint) throws Exception {
        this.endpoint = nonBlocking(endpoint);
        this.producer = this.endpoint.createAsyncProducer();
    }

    /**
     * A {@code direct:} endpoint waits up to 30 s by default for its route when the route is not there (stopped, the
     * gateway stopping): an event loop must not. The same endpoint with {@code block=false} fails at once instead.
     * application.properties sets that for every direct: endpoint; this one keeps it even where an operator sets it
     * back, since it is the one sent to from an event loop.
     */
    private static Endpoint nonBlocking(Endpoint endpoint) {
        if (endpoint instanceof DirectEndpoint direct && direct.isBlock()) {
            String uri = endpoint.getEndpointUri();
            return endpoint.getCamelContext().getEndpoint(uri + (uri.contains("?") ? "&" : "?") + "block=false");
        }
        return endpoint;
    }

    /**
     * What the end's exchange takes over from the call's properties: all but its routes' timer samples
     * ({@link GatewayHeaders#ROUTE_TIMER_PREFIX}), which belong to routes that complete now; copied, they were held,
     * to no use, for the answer's whole length.
     */
    static Map<String, Object> carried(Map<String, Object> callProperties) {
        Map<String, Object> carried = new HashMap<>();
        callProperties.forEach((name, value) -> {
            if (!name.startsWith(GatewayHeaders.ROUTE_TIMER_PREFIX)) {
                carried.put(name, value);
            }
        });
        return carried;
    }

    void start() {
        ServiceHelper.startService(producer);
    }

    void stop() {
        ServiceHelper.stopService(producer);
    }

    /**
     * Sends the end on the calling thread (the stream's event loop). If the endpoint cannot take it (its route
     * stopped: the gateway is stopping), the turn still ends, with an error final that says so, rather than never.
     */
    void report(Map<String, Object> properties, Throwable failure, Turn turn) {
        Exchange end = endpoint.createExchange();
        end.getProperties().putAll(properties);
        if (failure != null) {
            end.setProperty(GatewayHeaders.AGENT_STREAM_FAILURE, failure);
        }
        try {
            producer.process(end, doneSync -> {
                if (end.getException() != null) {
                    unreported(end.getException(), failure, turn);
                }
            });
        } catch (RuntimeException e) {
            unreported(e, failure, turn);
        }
    }

    private void unreported(Throwable why, Throwable failure, Turn turn) {
        boolean stopping = endpoint.getCamelContext().isStopping() || endpoint.getCamelContext().isStopped();
        if (turn.fail(stopping ? STOPPING : AgentFailures.INTERNAL_ERROR)) {
            LOG.warn("The end of session {}'s answer could not go to {}: {} (the stream {})", turn.sessionId(),
                    endpoint.getEndpointUri(), why.toString(),
                    failure == null ? "had ended normally" : "failed: " + failure);
        }
    }
}
