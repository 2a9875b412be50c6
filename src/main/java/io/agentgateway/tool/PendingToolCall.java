package io.agentgateway.tool;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A tool call sent to a client's socket and not answered yet.
 *
 * @param connectionKey the socket it was sent to: if that socket closes, the call ends
 */
public record PendingToolCall(String sessionId, String callId, String name, JsonNode arguments, Duration timeout,
                              String connectionKey, CompletableFuture<ToolOutcome> outcome) {

    public PendingToolCall(String sessionId, String callId, String name, JsonNode arguments, Duration timeout,
                           String connectionKey) {
        this(sessionId, callId, name, arguments, timeout, connectionKey, new CompletableFuture<>());
    }
}
