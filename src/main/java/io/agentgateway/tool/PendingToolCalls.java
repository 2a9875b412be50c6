package io.agentgateway.tool;

/**
 * Tool calls waiting for their client's answer. Every entry ends exactly once (answer, timeout or socket close)
 * and is gone when it ends.
 */
public interface PendingToolCalls {

    /** What {@link #register} did. */
    enum Registration { REGISTERED, DUPLICATE_CALL_ID, TOO_MANY_PENDING }

    /** Adds the call and starts its timeout, unless its call_id is pending already or its session has too many. */
    Registration register(PendingToolCall call);

    /** Ends a pending call with {@code outcome}; false when no such call is pending (unknown or already ended). */
    boolean complete(String sessionId, String callId, ToolOutcome outcome);

    /** Ends every call of the session sent to this socket with {@link ToolOutcome.SocketClosed}; returns how many. */
    int failConnection(String sessionId, String connectionKey);

    /** Calls pending on this instance. */
    int size();
}
