package io.agentgateway.session;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.agentgateway.common.GatewayHeaders;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads a message from another instance for the session-relay route: a JSON object goes on with its {@code kind} in
 * header {@link GatewayHeaders#RELAY_KIND} and the parsed message in property {@link GatewayHeaders#RELAY}.
 */
public class RelayReader implements Processor {

    private static final Logger LOG = LoggerFactory.getLogger(RelayReader.class);

    private final ObjectMapper mapper;

    public RelayReader(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    @Override
    public void process(Exchange exchange) throws Exception {
        String text = exchange.getMessage().getBody(String.class);
        JsonNode message = text == null ? null : mapper.readTree(text);
        if (message == null || !message.isObject() || !message.path("kind").isTextual()) {
            LOG.warn("Dropped a relay message that is not a JSON object with a kind: {}", text);
            exchange.setRouteStop(true);
            return;
        }
        exchange.setProperty(GatewayHeaders.RELAY, message);
        exchange.getMessage().setHeader(GatewayHeaders.RELAY_KIND, message.path("kind").asText());
    }
}
