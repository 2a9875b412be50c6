package io.agentgateway.common;

/**
 * An HTTP request the gateway refuses. The caller gets {@code status} and {@code {"error": message}} (route
 * configuration {@code http-errors}).
 */
public class RequestRejected extends RuntimeException {

    private final int status;

    public RequestRejected(int status, String message) {
        super(message, null, false, false);
        this.status = status;
    }

    public int status() {
        return status;
    }
}
