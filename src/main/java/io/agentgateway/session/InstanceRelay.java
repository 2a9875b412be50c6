package io.agentgateway.session;

import java.util.function.Supplier;

/**
 * Messages between gateway instances, each a JSON object with a {@code kind}, delivered in the order one instance
 * sent them to another. Inbound messages arrive on route {@code session-relay} (routes/session-redis.yaml).
 */
public interface InstanceRelay {

    /** One instance alone has nobody to talk to. */
    InstanceRelay NONE = (instanceId, json) -> {
        throw new IllegalStateException("no other gateway instance without Redis");
    };

    /** Sends {@code json} to {@code instanceId}; never blocks the caller. */
    void send(String instanceId, String json);

    /**
     * Sends the message {@code json} makes, in its place in the order, making it when its turn comes rather than on
     * the caller's thread where the relay can: for a large message the caller must queue while it holds a lock.
     */
    default void send(String instanceId, Supplier<String> json) {
        send(instanceId, json.get());
    }
}
