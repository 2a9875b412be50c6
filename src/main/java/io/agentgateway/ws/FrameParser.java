package io.agentgateway.ws;

import io.agentgateway.common.ClientFrame;
import io.agentgateway.common.FrameRejected;
import java.util.List;
import java.util.Set;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Turns a WebSocket message into a {@link ClientFrame}, or a {@link FrameRejected} whose message tells the
 * client exactly what is wrong. Stateless.
 */
public final class FrameParser {

    /** Message types accepted on {@code /ws/{session_id}}. */
    public static final Set<String> CHAT_TYPES =
            Set.of(ClientFrame.UserMessage.TYPE, ClientFrame.Cancel.TYPE, ClientFrame.ToolResult.TYPE);

    /** Message types accepted on {@code /ws} (the judgement protocol). */
    public static final Set<String> JUDGEMENT_TYPES = Set.of(ClientFrame.AgentJudgement.TYPE);

    private final ObjectMapper mapper;
    private final Set<String> acceptedTypes;
    private final int maxAgents;

    public FrameParser(ObjectMapper mapper, Set<String> acceptedTypes) {
        this(mapper, acceptedTypes, 16);
    }

    /** @param maxAgents most agents an {@code agent_judgement} may name */
    public FrameParser(ObjectMapper mapper, Set<String> acceptedTypes, int maxAgents) {
        this.mapper = mapper;
        this.acceptedTypes = acceptedTypes;
        this.maxAgents = maxAgents;
    }

    /** @param payload a String (text frame) or byte[] (binary frame) */
    public ClientFrame parse(Object payload) {
        if (payload instanceof byte[]) {
            throw new FrameRejected("Binary frames are not supported: send JSON as a text frame");
        }
        String text = payload instanceof String s ? s : String.valueOf(payload);
        JsonNode root;
        try {
            root = mapper.readTree(text);
        } catch (JsonProcessingException e) {
            throw new FrameRejected("Invalid message: not valid JSON (" + e.getOriginalMessage() + ")");
        }
        if (root == null || !root.isObject()) {
            throw new FrameRejected("Invalid message: expected a JSON object");
        }
        JsonNode type = root.get("type");
        if (type == null || type.isNull()) {
            throw new FrameRejected("Invalid message: missing field 'type'");
        }
        if (!type.isTextual()) {
            throw new FrameRejected("Invalid message: field 'type' must be a string");
        }
        String t = type.asText();
        if (!acceptedTypes.contains(t)) {
            throw new FrameRejected("Unsupported message type: " + t);
        }
        return switch (t) {
            case ClientFrame.UserMessage.TYPE -> userMessage(root);
            case ClientFrame.Cancel.TYPE -> new ClientFrame.Cancel();
            case ClientFrame.ToolResult.TYPE -> toolResult(root);
            case ClientFrame.AgentJudgement.TYPE -> agentJudgement(root);
            default -> throw new FrameRejected("Unsupported message type: " + t);
        };
    }

    private static ClientFrame userMessage(JsonNode root) {
        String content = requiredString(root, "content", ClientFrame.UserMessage.TYPE);
        if (content.isBlank()) {
            throw new FrameRejected("Invalid user_message: field 'content' must not be empty");
        }
        JsonNode role = root.get("role");
        if (role != null && !role.isNull()) {
            if (!role.isTextual()) {
                throw new FrameRejected("Invalid user_message: field 'role' must be a string");
            }
            if (!"user".equals(role.asText())) {
                throw new FrameRejected("Invalid user_message: field 'role' must be \"user\"");
            }
        }
        return new ClientFrame.UserMessage(content);
    }

    private ClientFrame agentJudgement(JsonNode root) {
        String type = ClientFrame.AgentJudgement.TYPE;
        JsonNode ids = root.get("agent_ids");
        if (ids == null || ids.isNull()) {
            throw new FrameRejected("Invalid " + type + ": missing field 'agent_ids'");
        }
        if (!ids.isArray() || ids.isEmpty()) {
            throw new FrameRejected("Invalid " + type + ": field 'agent_ids' must be a non-empty list of strings");
        }
        if (ids.size() > maxAgents) {
            throw new FrameRejected("Invalid " + type + ": field 'agent_ids' names " + ids.size()
                                        + " agents, at most " + maxAgents + " are allowed");
        }
        java.util.LinkedHashSet<String> agents = new java.util.LinkedHashSet<>();
        for (JsonNode id : ids) {
            if (!id.isTextual() || id.asText().isBlank()) {
                throw new FrameRejected("Invalid " + type + ": every entry of 'agent_ids' must be a non-empty string");
            }
            if (!agents.add(id.asText())) {
                throw new FrameRejected("Invalid " + type + ": 'agent_ids' names " + id.asText() + " twice");
            }
        }
        JsonNode data = root.get("data");
        if (data == null || data.isNull()) {
            throw new FrameRejected("Invalid " + type + ": missing field 'data'");
        }
        if (!data.isObject()) {
            throw new FrameRejected("Invalid " + type + ": field 'data' must be an object");
        }
        JsonNode input = data.get("user_input");
        if (input == null || input.isNull()) {
            throw new FrameRejected("Invalid " + type + ": missing field 'data.user_input'");
        }
        if (!input.isTextual()) {
            throw new FrameRejected("Invalid " + type + ": field 'data.user_input' must be a string");
        }
        return new ClientFrame.AgentJudgement(List.copyOf(agents), data);
    }

    private static ClientFrame toolResult(JsonNode root) {
        String callId = requiredString(root, "call_id", ClientFrame.ToolResult.TYPE);
        if (callId.isEmpty()) {
            throw new FrameRejected("Invalid tool_result: field 'call_id' must not be empty");
        }
        boolean hasResult = root.has("result");
        JsonNode error = root.get("error");
        boolean hasError = error != null && !error.isNull();
        if (hasResult == hasError) {
            throw new FrameRejected("Invalid tool_result: exactly one of 'result' and 'error' is required");
        }
        if (hasError && !error.isTextual()) {
            throw new FrameRejected("Invalid tool_result: field 'error' must be a string");
        }
        return new ClientFrame.ToolResult(callId, hasResult ? root.get("result") : null,
                hasError ? error.asText() : null);
    }

    static String requiredString(JsonNode root, String field, String type) {
        JsonNode node = root.get(field);
        if (node == null || node.isNull()) {
            throw new FrameRejected("Invalid " + type + ": missing field '" + field + "'");
        }
        if (!node.isTextual()) {
            throw new FrameRejected("Invalid " + type + ": field '" + field + "' must be a string");
        }
        return node.asText();
    }
}
