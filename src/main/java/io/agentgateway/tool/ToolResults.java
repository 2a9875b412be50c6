package io.agentgateway.tool;

import io.agentgateway.common.GatewayHeaders;
import io.agentgateway.common.ClientFrame;
import io.agentgateway.common.FrameRejected;
import io.agentgateway.common.ClientSocket;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;

/** A client's {@code tool_result}: ends its pending call, or is refused if no such call is pending. */
public class ToolResults implements Processor {

    private final PendingToolCalls pending;
    private final RemoteToolCalls remote;

    public ToolResults(PendingToolCalls pending, RemoteToolCalls remote) {
        this.pending = pending;
        this.remote = remote;
    }

    @Override
    public void process(Exchange exchange) {
        ClientFrame.ToolResult result = exchange.getProperty(GatewayHeaders.FRAME, ClientFrame.ToolResult.class);
        ClientSocket socket = exchange.getProperty(GatewayHeaders.SOCKET, ClientSocket.class);
        ToolOutcome outcome = result.error() != null
                ? new ToolOutcome.ClientError(result.error())
                : new ToolOutcome.Result(result.result());
        if (!pending.complete(socket.sessionId(), result.callId(), outcome)
            && !remote.answered(socket.sessionId(), result.callId(), outcome)) {
            throw new FrameRejected("Unknown call_id: " + result.callId() + " (not pending, or already answered)");
        }
    }
}
