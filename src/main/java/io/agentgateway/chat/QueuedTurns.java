package io.agentgateway.chat;

/**
 * Chat turns answered through the job queue, by the id of their job's request. Replies feed the turn; a turn
 * whose worker stays silent longer than the request timeout fails; entries go when their turn ends.
 */
public interface QueuedTurns {

    /** Starts relaying replies for {@code requestId} into {@code turn}. */
    void begin(String requestId, Turn turn);

    /**
     * A worker's piece of the answer; {@code isFinal} ends the turn (after {@code token}, which may be empty).
     *
     * @return false when no turn is waiting for this request (unknown, ended, or cancelled)
     */
    boolean relay(String requestId, String token, boolean isFinal);

    /** The worker reported a failure: the turn ends with its error frame. */
    boolean fail(String requestId, String message);

    int size();
}
