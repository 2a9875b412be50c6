package io.agentgateway.tool;

import java.time.Duration;

import com.fasterxml.jackson.databind.JsonNode;
import io.agentgateway.common.ClientSocket;
import io.agentgateway.common.GatewayHeaders;
import io.agentgateway.common.ServerFrames;
import io.agentgateway.session.SessionRegistry;
import io.agentgateway.session.SessionStreams;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The tool-relay step: tool-call messages between instances. {@code tool_call} arrives at the instance holding the
 * session's socket, which sends the frame to the client; {@code tool_result} and {@code tool_failed} arrive back at
 * the instance holding the HTTP request, which answers it.
 */
public class ToolRelay implements Processor {

    private static final Logger LOG = LoggerFactory.getLogger(ToolRelay.class);

    private final SessionRegistry sessions;
    private final SessionStreams streams;
    private final PendingToolCalls pending;
    private final RemoteToolCalls remote;

    public ToolRelay(SessionRegistry sessions, SessionStreams streams, PendingToolCalls pending, RemoteToolCalls remote) {
        this.sessions = sessions;
        this.streams = streams;
        this.pending = pending;
        this.remote = remote;
    }

    @Override
    public void process(Exchange exchange) {
        JsonNode m = exchange.getProperty(GatewayHeaders.RELAY, JsonNode.class);
        String kind = m.path("kind").asText();
        String sessionId = m.path("session_id").asText("");
        String callId = m.path("call_id").asText("");
        if (kind.equals("tool_call")) {
            String origin = m.path("origin").asText();
            ClientSocket socket = sessions.find(sessionId).orElse(null);
            if (socket == null) {
                remote.noSocket(origin, sessionId, callId);
                return;
            }
            remote.sent(sessionId, callId, origin, socket.connectionKey(),
                    Duration.ofMillis(Math.max(1, m.path("timeout_ms").asLong(30_000))));
            String frame = m.path("frame").asText();
            streams.append(sessionId, seq -> ServerFrames.withSeq(frame, seq));
        } else if (kind.equals("tool_result") || kind.equals("tool_failed")) {
            if (!pending.complete(sessionId, callId, RemoteToolCalls.outcomeOf(m))) {
                LOG.debug("A {} for call {} of session {} came after the call ended", kind, callId, sessionId);
            }
        } else {
            LOG.warn("Dropped a relay message of unknown kind {}", kind);
        }
    }
}
