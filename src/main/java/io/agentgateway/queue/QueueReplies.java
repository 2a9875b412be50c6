package io.agentgateway.queue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.agentgateway.common.GatewayHeaders;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads a worker's reply for the queue-reply route: a JSON object goes on with its {@code type} in header
 * {@link GatewayHeaders#REPLY_TYPE} and the parsed reply in property {@link GatewayHeaders#REPLY}; anything else is
 * logged and dropped here. Nothing a worker sends can fail a route or reach another socket.
 */
public class QueueReplies implements Processor {

    private static final Logger LOG = LoggerFactory.getLogger(QueueReplies.class);
    private static final int QUOTE_MAX = 200;

    private final ObjectMapper mapper;

    public QueueReplies(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    @Override
    public void process(Exchange exchange) {
        String text = exchange.getMessage().getBody(String.class);
        JsonNode reply;
        try {
            reply = text == null ? null : mapper.readTree(text);
        } catch (Exception e) {
            reply = null;
        }
        if (reply == null || !reply.isObject()) {
            drop("not a JSON object", text);
            exchange.setRouteStop(true);
            return;
        }
        exchange.setProperty(GatewayHeaders.REPLY, reply);
        exchange.getMessage().setHeader(GatewayHeaders.REPLY_TYPE, reply.path("type").asText(""));
    }

    /** The queue-reply route's last word on a reply of a type no feature takes. */
    public void unknownType(Exchange exchange) {
        JsonNode reply = exchange.getProperty(GatewayHeaders.REPLY, JsonNode.class);
        drop("unknown type '" + reply.path("type").asText("") + "'", reply);
    }

    /** Logs a reply that goes nowhere, and why. */
    public static void drop(String why, JsonNode reply) {
        drop(why, reply.toString());
    }

    private static void drop(String why, String text) {
        String quoted = text == null ? "null" : text.length() > QUOTE_MAX ? text.substring(0, QUOTE_MAX) + "…" : text;
        LOG.warn("Dropped a worker reply: {}: {}", why, quoted);
    }
}
