package io.agentgateway.chat;

/** The agent's stream said something the gateway cannot relay; the message is shown to the client. */
public class AgentStreamException extends RuntimeException {

    public AgentStreamException(String message) {
        super(message, null, false, false);
    }
}
