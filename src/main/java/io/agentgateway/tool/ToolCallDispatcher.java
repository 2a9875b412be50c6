package io.agentgateway.tool;

import io.agentgateway.common.GatewayHeaders;
import io.agentgateway.common.RequestRejected;
import io.agentgateway.common.ServerFrames;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;

/**
 * Registers the call as pending (409, 429 otherwise) and leaves its {@code tool_call} frame in the body, addressed
 * to the call's session, for the ws-reply step.
 */
public class ToolCallDispatcher implements Processor {

    private final ServerFrames frames;
    private final PendingToolCalls pending;

    public ToolCallDispatcher(ServerFrames frames, PendingToolCalls pending) {
        this.frames = frames;
        this.pending = pending;
    }

    @Override
    public void process(Exchange exchange) {
        PendingToolCall call = exchange.getProperty(GatewayHeaders.TOOL_CALL, PendingToolCall.class);
        switch (pending.register(call)) {
            case DUPLICATE_CALL_ID -> throw new RequestRejected(409,
                    "A call with call_id " + call.callId() + " is already pending for session " + call.sessionId());
            case TOO_MANY_PENDING -> throw new RequestRejected(429,
                    "Too many tool calls pending for session " + call.sessionId());
            case REGISTERED -> {
                // registered before it is sent, so that an answer however fast finds it
            }
        }
        exchange.getMessage().setHeader(GatewayHeaders.SESSION_ID, call.sessionId());
        exchange.getMessage().setBody(frames.toolCall(call.callId(), call.name(), call.arguments()));
    }
}
