package io.agentgateway.common;

/**
 * A client frame the gateway refuses. The client gets {@code {"error": message}} on its socket, and the socket stays
 * open (route configuration {@code frame-errors}).
 */
public class FrameRejected extends RuntimeException {

    public FrameRejected(String message) {
        super(message, null, false, false);
    }
}
