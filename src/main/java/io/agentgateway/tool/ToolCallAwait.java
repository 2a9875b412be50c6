package io.agentgateway.tool;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.agentgateway.common.GatewayHeaders;
import io.agentgateway.common.Durations;
import io.agentgateway.common.HttpReplies;
import org.apache.camel.AsyncCallback;
import org.apache.camel.AsyncProcessor;
import org.apache.camel.Exchange;
import org.apache.camel.support.AsyncProcessorSupport;

/**
 * Waits for the call's outcome without a thread: the route resumes on whichever thread ends the call (the
 * socket's lane for an answer, a Vert.x timer for a timeout) and answers the HTTP request.
 */
public class ToolCallAwait extends AsyncProcessorSupport implements AsyncProcessor {

    private final ObjectMapper mapper;
    private final PendingToolCalls pending;

    public ToolCallAwait(ObjectMapper mapper, PendingToolCalls pending) {
        this.mapper = mapper;
        this.pending = pending;
    }

    @Override
    public boolean process(Exchange exchange, AsyncCallback callback) {
        PendingToolCall call = exchange.getProperty(GatewayHeaders.TOOL_CALL, PendingToolCall.class);
        if (!exchange.getMessage().getHeader(GatewayHeaders.DELIVERED, false, Boolean.class)) {
            // the socket closed between finding it and sending
            pending.complete(call.sessionId(), call.callId(), new ToolOutcome.SocketClosed());
        }
        if (call.outcome().isDone()) {
            reply(exchange, call, call.outcome().join());
            callback.done(true);
            return true;
        }
        call.outcome().whenComplete((outcome, failure) -> {
            if (failure != null) {
                exchange.setException(failure);
            } else {
                reply(exchange, call, outcome);
            }
            callback.done(false);
        });
        return false;
    }

    private void reply(Exchange exchange, PendingToolCall call, ToolOutcome outcome) {
        ObjectNode body = mapper.createObjectNode();
        body.put("call_id", call.callId());
        int status;
        if (outcome instanceof ToolOutcome.Result r) {
            status = 200;
            body.set("result", r.result());
        } else if (outcome instanceof ToolOutcome.ClientError e) {
            status = 502;
            body.put("error", e.message());
        } else if (outcome instanceof ToolOutcome.TimedOut) {
            status = 504;
            body.put("error", "No tool_result from the client within " + Durations.seconds(call.timeout()) + " s");
        } else if (outcome instanceof ToolOutcome.NoSocket) {
            status = 404;
            body.put("error", "No socket open for session " + call.sessionId());
        } else {
            status = 410;
            body.put("error", "The client's socket closed before it answered");
        }
        HttpReplies.json(exchange, status, body.toString());
    }
}
