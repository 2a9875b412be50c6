package io.agentgateway.tool;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.agentgateway.common.GatewayHeaders;
import io.agentgateway.session.InstanceRelay;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;

/**
 * The session's socket is on another instance: the tool_call frame (the body) goes there, with this instance as the
 * origin its answer comes back to. The call waits here, with its timer, as a local one would.
 */
public class ToolCallForwarder implements Processor {

    private final InstanceRelay relay;
    private final ObjectMapper mapper;
    private final String self;

    public ToolCallForwarder(InstanceRelay relay, ObjectMapper mapper, String self) {
        this.relay = relay;
        this.mapper = mapper;
        this.self = self;
    }

    @Override
    public void process(Exchange exchange) {
        PendingToolCall call = exchange.getProperty(GatewayHeaders.TOOL_CALL, PendingToolCall.class);
        String holder = exchange.getProperty(GatewayHeaders.REMOTE_HOLDER, String.class);
        ObjectNode m = mapper.createObjectNode();
        m.put("kind", "tool_call");
        m.put("session_id", call.sessionId());
        m.put("call_id", call.callId());
        m.put("frame", exchange.getMessage().getBody(String.class));
        m.put("timeout_ms", call.timeout().toMillis());
        m.put("origin", self);
        relay.send(holder, m.toString());
        exchange.getMessage().setHeader(GatewayHeaders.DELIVERED, true);
    }
}
