package io.agentgateway.judgement;

/**
 * Judgement requests waiting for their agents' replies, on the instance that holds the asking socket (workers
 * reply to that instance's channel). Every agent of a request ends exactly once: with its final judgement, or with
 * a timeout final made by the gateway; the request is gone when all have ended or its socket closes.
 */
public interface PendingJudgements {

    /** Starts waiting for every agent of {@code judgement}, with its timeout. */
    void begin(Judgement judgement);

    /**
     * Sends a worker's reply to the socket that asked. A final ends its agent.
     *
     * @return false when no pending request has this session and agent (unknown, foreign, or already final)
     */
    boolean relay(String sessionId, String agentId, boolean isFinal, String frame);

    /** Forgets a request whose jobs could not be queued; false if it was gone already. */
    boolean abandon(String sessionId);

    /** Forgets every request of a closed socket. */
    void dropConnection(String connectionKey);

    int size();
}
