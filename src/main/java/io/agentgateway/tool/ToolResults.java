package io.agentgateway.tool;

import io.agentgateway.GatewayHeaders;
import io.agentgateway.protocol.ClientFrame;
import io.agentgateway.protocol.ProtocolException;
import io.agentgateway.session.ClientSocket;
import io.agentgateway.session.SessionRegistry;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;

/** A client's {@code tool_result}: ends its pending call, or is refused if no such call is pending. */
public class ToolResults implements Processor {

    private final SessionRegistry sessions;
    private final PendingToolCalls pending;

    public ToolResults(SessionRegistry sessions, PendingToolCalls pending) {
        this.sessions = sessions;
        this.pending = pending;
    }

    @Override
    public void process(Exchange exchange) {
        ClientFrame.ToolResult result = exchange.getProperty(GatewayHeaders.FRAME, ClientFrame.ToolResult.class);
        String key = exchange.getMessage().getHeader(GatewayHeaders.CONNECTION_KEY, String.class);
        ClientSocket socket = sessions.requireByConnection(key);
        ToolOutcome outcome = result.error() != null
                ? new ToolOutcome.ClientError(result.error())
                : new ToolOutcome.Result(result.result());
        if (!pending.complete(socket.sessionId(), result.callId(), outcome)) {
            throw new ProtocolException("Unknown call_id: " + result.callId() + " (not pending, or already answered)");
        }
    }
}
