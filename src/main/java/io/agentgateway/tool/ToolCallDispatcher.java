package io.agentgateway.tool;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.agentgateway.GatewayHeaders;
import io.agentgateway.session.SessionRegistry;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;

/** Registers the call as pending (409, 429 otherwise) and pushes {@code tool_call} to the session's socket. */
public class ToolCallDispatcher implements Processor {

    private final ObjectMapper mapper;
    private final SessionRegistry sessions;
    private final PendingToolCalls pending;

    public ToolCallDispatcher(ObjectMapper mapper, SessionRegistry sessions, PendingToolCalls pending) {
        this.mapper = mapper;
        this.sessions = sessions;
        this.pending = pending;
    }

    @Override
    public void process(Exchange exchange) {
        PendingToolCall call = exchange.getProperty(GatewayHeaders.TOOL_CALL, PendingToolCall.class);
        switch (pending.register(call)) {
            case DUPLICATE_CALL_ID -> throw new ToolCallRejected(409,
                    "A call with call_id " + call.callId() + " is already pending for session " + call.sessionId());
            case TOO_MANY_PENDING -> throw new ToolCallRejected(429,
                    "Too many tool calls pending for session " + call.sessionId());
            case REGISTERED -> {
                // registered before it is sent, so that an answer however fast finds it
            }
        }
        ObjectNode frame = mapper.createObjectNode();
        frame.put("type", "tool_call");
        frame.put("call_id", call.callId());
        frame.put("name", call.name());
        frame.set("arguments", call.arguments());
        boolean sent = sessions.findByConnection(call.connectionKey())
                .map(socket -> socket.send(frame.toString()))
                .orElse(false);
        if (!sent) {
            pending.complete(call.sessionId(), call.callId(), new ToolOutcome.SocketClosed());
        }
    }
}
