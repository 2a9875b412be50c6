package io.agentgateway.protocol;

/** A client frame the gateway cannot accept; the message is sent to the client as {@code {"error": ...}}. */
public class ProtocolException extends RuntimeException {

    public ProtocolException(String message) {
        super(message, null, false, false);
    }
}
