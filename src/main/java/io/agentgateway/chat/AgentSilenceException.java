package io.agentgateway.chat;

/**
 * The agent sent nothing for longer than the idle timeout: not while connecting (that is a connect timeout), but
 * while the gateway waited for its answer to start or for the next chunk. Time the gateway itself held the stream
 * back for a slow client does not count.
 */
public class AgentSilenceException extends RuntimeException {

    public AgentSilenceException(long idleTimeoutMs) {
        super("nothing received from the agent for " + idleTimeoutMs + " ms", null, false, false);
    }
}
