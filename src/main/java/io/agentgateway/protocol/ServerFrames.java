package io.agentgateway.protocol;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** Builds the JSON text frames the gateway sends to clients. Stateless. */
public final class ServerFrames {

    private final ObjectMapper mapper;

    public ServerFrames(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    /**
     * One piece of an answer: {@code {"type": "assistant_message", "token": "...", "is_final": false, "seq": n}}.
     * Written straight into a string (one per token, on the hot path) rather than through a JSON tree.
     */
    public String token(String token, boolean isFinal, long seq) {
        StringBuilder sb = new StringBuilder(64 + token.length());
        sb.append("{\"type\":\"assistant_message\",\"token\":\"");
        JsonStringEncoder.getInstance().quoteAsString(token, sb);
        return sb.append("\",\"is_final\":").append(isFinal).append(",\"seq\":").append(seq).append('}').toString();
    }

    /** The last frame of a cancelled answer. */
    public String cancelled(long seq) {
        ObjectNode n = mapper.createObjectNode();
        n.put("type", "assistant_message");
        n.put("token", "");
        n.put("is_final", true);
        n.put("cancelled", true);
        n.put("seq", seq);
        return write(n);
    }

    /** The one frame that ends a failed answer: {@code {"type": "error", "error": "...", "is_final": true}}. */
    public String turnError(String message, long seq) {
        ObjectNode n = mapper.createObjectNode();
        n.put("type", "error");
        n.put("error", message);
        n.put("is_final", true);
        n.put("seq", seq);
        return write(n);
    }

    /** A refused client frame: {@code {"error": "..."}}, as the seed protocols answer bad input. */
    public String error(String message) {
        ObjectNode n = mapper.createObjectNode();
        n.put("error", message);
        return write(n);
    }

    public String write(Object node) {
        try {
            return mapper.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise frame", e);
        }
    }
}
