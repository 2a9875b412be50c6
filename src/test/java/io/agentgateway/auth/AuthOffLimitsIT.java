package io.agentgateway.auth;

import java.time.Duration;
import java.util.Map;

import io.agentgateway.testing.RawHandshake;
import io.agentgateway.testing.RunningGateway;
import io.agentgateway.testing.WsClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Auth off: connections have no identity, so only GATEWAY__MAX_CONNECTIONS counts them, and a client cannot
 * give itself one with a GatewayIdentity query parameter or header.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AuthOffLimitsIT {

    private RunningGateway gateway;
    private IdentityProbe probe;

    @BeforeAll
    void start() throws Exception {
        gateway = RunningGateway.builder()
                .property("gateway.ws.max-connections", "3")
                .property("gateway.ws.max-connections-per-app", "1")
                .start();
        probe = new IdentityProbe(gateway.context());
    }

    @AfterAll
    void stop() {
        if (gateway != null) {
            gateway.close();
        }
    }

    @Test
    void noIdentityAndOnlyTheInstanceLimitCounts() throws Exception {
        ConnectionLimits limits = gateway.context().getRegistry()
                .lookupByNameAndType("connectionLimits", ConnectionLimits.class);
        try (WsClient a = gateway.connect("/ws/off-1");
             WsClient b = gateway.connect("/ws/off-2?GatewayIdentity=admin")) {
            assertThat(RawHandshake.send(gateway.port(), "/ws/probe/spoof?GatewayIdentity=admin&gatewayidentity=root",
                    Map.of("GatewayIdentity", "admin")).status()).isEqualTo(101);
            assertThat(probe.identityOf("spoof")).isEqualTo(IdentityProbe.NONE);
            await().atMost(Duration.ofSeconds(10)).until(() -> limits.open() == 2); // the probe socket has closed
            assertThat(limits.open("admin")).isZero();

            try (WsClient c = gateway.connect("/ws")) {
                assertThat(RawHandshake.send(gateway.port(), "/ws/off-4", Map.of()).status()).isEqualTo(503);
            }
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> limits.open() == 0);
    }
}
