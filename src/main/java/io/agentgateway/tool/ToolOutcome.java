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

    /** No instance holds a socket for the session any more (the call went to one that let it go). */
    record NoSocket() implements ToolOutcome {
    }

    /** The socket the call was sent to closed before it answered. */
    record SocketClosed() implements ToolOutcome {
    }
}
