package io.agentgateway.common;

import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

/** A validated frame from a client. */
public sealed interface ClientFrame {

    /** The frame's {@code type} as the client sent it. */
    String type();

    /** {@code {"type": "user_message", "content": "...", "role": "user"}}: start an answer. */
    record UserMessage(String content) implements ClientFrame {
        public static final String TYPE = "user_message";

        @Override
        public String type() {
            return TYPE;
        }
    }

    /**
     * {@code {"type": "tool_result", "call_id": "...", "result": <any JSON>}} or with {@code "error": "..."}:
     * the client's answer to a {@code tool_call}. Exactly one of {@code result} and {@code error} is set.
     */
    record ToolResult(String callId, JsonNode result, String error) implements ClientFrame {
        public static final String TYPE = "tool_result";

        @Override
        public String type() {
            return TYPE;
        }
    }

    /**
     * {@code {"type": "agent_judgement", "agent_ids": [...], "data": {"user_input": "..."}}}: ask several agents
     * for a judgement through the queues. {@code data} is passed to the workers as the client sent it.
     */
    record AgentJudgement(List<String> agentIds, JsonNode data) implements ClientFrame {
        public static final String TYPE = "agent_judgement";

        @Override
        public String type() {
            return TYPE;
        }
    }

    /** {@code {"type": "cancel"}}: stop the answer that is streaming. */
    record Cancel() implements ClientFrame {
        public static final String TYPE = "cancel";

        @Override
        public String type() {
            return TYPE;
        }
    }
}
