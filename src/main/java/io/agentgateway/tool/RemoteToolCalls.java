package io.agentgateway.tool;

import java.time.Duration;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.agentgateway.common.TimedEntries;
import io.agentgateway.session.InstanceRelay;
import io.vertx.core.Vertx;

/**
 * Tool calls that arrived at another instance (the origin, which holds the HTTP request) for a socket held here.
 * The client's answer, or its socket's close, is sent back to the origin; an entry lives no longer than its call.
 */
public class RemoteToolCalls {

    private record Key(String sessionId, String callId) {
    }

    private record Remote(String sessionId, String callId, String origin, String connectionKey) {
    }

    private final TimedEntries<Key, Remote> calls;
    private final InstanceRelay relay;
    private final ObjectMapper mapper;

    public RemoteToolCalls(Vertx vertx, InstanceRelay relay, ObjectMapper mapper) {
        this.calls = new TimedEntries<>(vertx);
        this.relay = relay;
        this.mapper = mapper;
    }

    /** The call was sent to the socket {@code connectionKey}; its answer goes back to {@code origin}. */
    public void sent(String sessionId, String callId, String origin, String connectionKey, Duration timeout) {
        // a little longer than the origin waits, so a late answer still finds its way and gets the origin's refusal
        calls.add(new Key(sessionId, callId), new Remote(sessionId, callId, origin, connectionKey),
                timeout.plusSeconds(5), (k, r) -> { });
    }

    /** The client answered a call from another instance: true when it was one, and the answer is on its way. */
    public boolean answered(String sessionId, String callId, ToolOutcome outcome) {
        Remote remote = calls.remove(new Key(sessionId, callId));
        if (remote == null) {
            return false;
        }
        ObjectNode m = message("tool_result", sessionId, callId);
        if (outcome instanceof ToolOutcome.Result r) {
            m.set("result", r.result() == null ? mapper.nullNode() : r.result());
        } else if (outcome instanceof ToolOutcome.ClientError e) {
            m.put("error", e.message());
        }
        relay.send(remote.origin(), m.toString());
        return true;
    }

    /** A call came from another instance for a session no socket here holds: it ends there with 404. */
    public void noSocket(String origin, String sessionId, String callId) {
        relay.send(origin, message("tool_failed", sessionId, callId).put("reason", "no_socket").toString());
    }

    /** The socket closed: each call from another instance sent to it ends there with 410. */
    public void socketClosed(String sessionId, String connectionKey) {
        for (Remote r : calls.removeIf(r -> r.sessionId().equals(sessionId) && r.connectionKey().equals(connectionKey))) {
            relay.send(r.origin(), message("tool_failed", r.sessionId(), r.callId()).toString());
        }
    }

    private ObjectNode message(String kind, String sessionId, String callId) {
        ObjectNode m = mapper.createObjectNode();
        m.put("kind", kind);
        m.put("session_id", sessionId);
        m.put("call_id", callId);
        return m;
    }

    /** Reads a tool_result or tool_failed message into the outcome it carries. */
    static ToolOutcome outcomeOf(JsonNode message) {
        if ("tool_failed".equals(message.path("kind").asText())) {
            return "no_socket".equals(message.path("reason").asText())
                    ? new ToolOutcome.NoSocket() : new ToolOutcome.SocketClosed();
        }
        if (message.has("error") && !message.get("error").isNull()) {
            return new ToolOutcome.ClientError(message.get("error").asText());
        }
        return new ToolOutcome.Result(message.get("result"));
    }
}
