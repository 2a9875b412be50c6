package io.agentgateway.tool;

/** A REST call the gateway refuses; answered with {@code status} and {@code {"error": message}}. */
public class ToolCallRejected extends RuntimeException {

    private final int status;

    public ToolCallRejected(int status, String message) {
        super(message, null, false, false);
        this.status = status;
    }

    public int status() {
        return status;
    }
}
