package io.agentgateway.chat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.agentgateway.common.GatewayHeaders;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;

/**
 * Body for the agent: an OpenAI-compatible chat-completions request ({@code model}, {@code messages} with the
 * session's earlier turns, {@code stream: true}) plus the {@code session_id}.
 */
public class AgentRequestBuilder implements Processor {

    private final ObjectMapper mapper;
    private final ConversationHistory history;
    private final String model;

    public AgentRequestBuilder(ObjectMapper mapper, ConversationHistory history, String model) {
        this.mapper = mapper;
        this.history = history;
        this.model = model;
    }

    @Override
    public void process(Exchange exchange) throws Exception {
        Turn turn = exchange.getProperty(GatewayHeaders.TURN, Turn.class);
        ObjectNode body = mapper.createObjectNode();
        body.put("model", model);
        ArrayNode messages = body.putArray("messages");
        for (ChatMessage m : history.get(turn.sessionId())) {
            messages.addObject().put("role", m.role()).put("content", m.content());
        }
        messages.addObject().put("role", "user").put("content", turn.userContent());
        body.put("stream", true);
        body.put("session_id", turn.sessionId());
        exchange.getMessage().setBody(mapper.writeValueAsString(body));
    }
}
