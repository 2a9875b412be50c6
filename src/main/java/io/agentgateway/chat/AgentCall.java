package io.agentgateway.chat;

import java.io.IOException;
import java.io.InputStream;

import org.apache.hc.core5.http.io.EofSensorInputStream;

/** A running agent HTTP call that can be cut off. */
@FunctionalInterface
public interface AgentCall {

    /** Drops the connection to the agent at once; the agent sees it closed. Never blocks. */
    void abort();

    /**
     * The abort handle of a camel-http response body. Closing the body instead would read it to its end
     * (it drains, to reuse the connection), which for an endless stream never returns.
     */
    static AgentCall of(InputStream body) {
        if (body instanceof EofSensorInputStream sensor) {
            return () -> {
                try {
                    sensor.abort();
                } catch (IOException ignored) {
                    // already closed: nothing to abort
                }
            };
        }
        return () -> {
            Thread closer = new Thread(() -> {
                try {
                    body.close();
                } catch (IOException ignored) {
                    // already closed
                }
            }, "agent-call-close");
            closer.setDaemon(true);
            closer.start();
        };
    }
}
