package io.agentgateway.chat;

import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.Vertx;
import org.apache.camel.Endpoint;
import org.apache.camel.support.DefaultComponent;
import org.apache.camel.util.URISupport;

/**
 * {@code agent-stream:<agent URL>}: POSTs the exchange's body to an agent and relays its streamed answer (OpenAI SSE,
 * plain SSE or NDJSON) token by token into the exchange's {@link Turn}, on Vert.x core's HTTP client, so that no
 * thread waits on an agent's stream. See {@link AgentStreamProducer}.
 * <p>
 * Options (in the endpoint URI, e.g. from routes/agent-http.yaml): {@code connectTimeout} and {@code idleTimeout} in
 * ms (silence before the answer starts or between chunks), {@code maxConnections} to the agent, {@code maxLineBytes}
 * and {@code keepAliveTimeout} in seconds, and {@code streamEnd}: an endpoint URI that takes the stream's end once the
 * answer is under way (see {@link AgentStreamProducer}). Any other query parameter is part of the agent's URL, as with
 * camel-http.
 * The Vert.x instance is the registry's {@code vertx} unless one is given.
 */
public class AgentStreamComponent extends DefaultComponent {

    private Vertx vertx;
    private ObjectMapper mapper;

    public AgentStreamComponent() {
    }

    public AgentStreamComponent(Vertx vertx, ObjectMapper mapper) {
        this.vertx = vertx;
        this.mapper = mapper;
    }

    @Override
    protected Endpoint createEndpoint(String uri, String remaining, Map<String, Object> parameters) throws Exception {
        AgentStreamEndpoint.Options options = new AgentStreamEndpoint.Options(
                getAndRemoveParameter(parameters, "connectTimeout", Integer.class, 30_000),
                getAndRemoveParameter(parameters, "idleTimeout", Long.class, 30_000L),
                getAndRemoveParameter(parameters, "maxConnections", Integer.class, 1000),
                getAndRemoveParameter(parameters, "maxLineBytes", Integer.class, 1024 * 1024),
                getAndRemoveParameter(parameters, "keepAliveTimeout", Integer.class, 2));
        String streamEnd = getAndRemoveParameter(parameters, "streamEnd", String.class);
        // what is left belongs to the agent's own URL (e.g. ?api-version=...)
        String agentUrl = remaining;
        if (!parameters.isEmpty()) {
            agentUrl += "?" + URISupport.createQueryString(new LinkedHashMap<>(parameters));
            parameters.clear();
        }
        return new AgentStreamEndpoint(uri, this, agentUrl, options, streamEnd);
    }

    Vertx vertx() {
        if (vertx == null) {
            vertx = getCamelContext().getRegistry().lookupByNameAndType("vertx", Vertx.class);
            if (vertx == null) {
                throw new IllegalStateException("agent-stream needs a Vert.x instance: bind one as 'vertx'");
            }
        }
        return vertx;
    }

    ObjectMapper mapper() {
        if (mapper == null) {
            ObjectMapper bound = getCamelContext().getRegistry().lookupByNameAndType("jsonMapper", ObjectMapper.class);
            mapper = bound != null ? bound : new ObjectMapper();
        }
        return mapper;
    }
}
