package io.agentgateway.tool;

import com.fasterxml.jackson.databind.JsonNode;

/** How a tool call ended. */
public sealed interface ToolOutcome {

    /** The client ran the tool: {@code {"type": "tool_result", "result": ...}}. */
    record Result(JsonNode result) implements ToolOutcome {
    }

    /** The client reported a failure: {@code {"type": "tool_result", "error": "..."}}. */
    record ClientError(String message) implements ToolOutcome {
    }

    /** No answer in time. */
    record TimedOut() implements ToolOutcome {
    }

    /** The socket the call was sent to closed before it answered. */
    record SocketClosed() implements ToolOutcome {
    }
}
