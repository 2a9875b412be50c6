package io.agentgateway.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Optional;

import io.agentgateway.common.RequestRejected;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;

/**
 * Trusted-service calls must carry {@code X-Internal-Auth} equal to GATEWAY__INTERNAL_API_KEY (compared in
 * constant time). With no key configured, every call is refused.
 */
public class InternalKeyCheck implements Processor {

    public static final String HEADER = "X-Internal-Auth";

    private final Optional<byte[]> key;

    public InternalKeyCheck(Optional<String> key) {
        this.key = key.map(k -> k.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public void process(Exchange exchange) {
        if (key.isEmpty()) {
            throw new RequestRejected(401, "Internal API disabled: GATEWAY__INTERNAL_API_KEY is not set");
        }
        String given = exchange.getMessage().getHeader(HEADER, String.class);
        if (given == null || !MessageDigest.isEqual(key.get(), given.getBytes(StandardCharsets.UTF_8))) {
            throw new RequestRejected(401, "Missing or wrong " + HEADER + " header");
        }
    }
}
