package io.agentgateway.chat;

/** The agent answered with a status other than 2xx; the client is told "Agent answered HTTP n". */
public class AgentStatusException extends RuntimeException {

    private final int statusCode;

    public AgentStatusException(int statusCode, String reason) {
        super("Agent answered HTTP " + statusCode + (reason == null || reason.isEmpty() ? "" : " " + reason), null,
                false, false);
        this.statusCode = statusCode;
    }

    public int statusCode() {
        return statusCode;
    }
}
