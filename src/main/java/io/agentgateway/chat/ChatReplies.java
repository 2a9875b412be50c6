package io.agentgateway.chat;

import com.fasterxml.jackson.databind.JsonNode;
import io.agentgateway.common.GatewayHeaders;
import io.agentgateway.queue.QueueReplies;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;

/**
 * The chat-reply step: a worker's {@code assistant_message} ({@code token}, {@code is_final}) or {@code error} for a
 * chat turn sent through the queue. A reply no turn here waits for is logged and dropped.
 */
public class ChatReplies implements Processor {

    static final String ERROR = "error";

    private final QueuedTurns turns;

    public ChatReplies(QueuedTurns turns) {
        this.turns = turns;
    }

    @Override
    public void process(Exchange exchange) {
        JsonNode reply = exchange.getProperty(GatewayHeaders.REPLY, JsonNode.class);
        String type = exchange.getMessage().getHeader(GatewayHeaders.REPLY_TYPE, String.class);
        String requestId = reply.path("session_id").asText("");
        boolean relayed;
        if (ERROR.equals(type)) {
            relayed = turns.fail(requestId, "Agent reported an error: " + reply.path("error").asText("(no message)"));
        } else {
            JsonNode token = reply.get("token");
            if (token == null || !token.isTextual() || !reply.path("is_final").isBoolean()) {
                QueueReplies.drop("an assistant_message needs a string token and a boolean is_final", reply);
                return;
            }
            relayed = turns.relay(requestId, token.asText(), reply.path("is_final").asBoolean());
        }
        if (!relayed) {
            QueueReplies.drop("no chat turn here is waiting for session '" + requestId + "'", reply);
        }
    }
}
