package io.agentgateway.auth;


import io.agentgateway.testing.GatewayWithAgent;
import io.agentgateway.testing.RunningGateway;
import io.agentgateway.testing.SeedCredentials;
import io.agentgateway.testing.WsClient;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** With auth on, a chat session belongs to the application that opened it: nobody else gets its socket. */
class SessionOwnershipIT extends GatewayWithAgent {

    private static final String SECRET = "ownership-secret";
    private final SeedCredentials seed = new SeedCredentials(SECRET);

    @Override
    protected RunningGateway.Builder configure(RunningGateway.Builder builder) {
        return builder.property("gateway.auth.fixed-secret", SECRET);
    }

    private String credentials(String appid) {
        return seed.query(appid);
    }

    @Test
    void anotherApplicationIsRefusedWith403BeforeTheUpgradeAndTheOwnerIsNot() {
        try (WsClient owner = gateway.connect("/ws/private-chat?" + credentials("app-a"))) {
            assertThat(WsClient.joined(owner.userMessage("mine").untilFinal())).isNotEmpty();
            assertThat(WsClient.handshakeStatus(gateway.ws("/ws/private-chat?" + credentials("app-b")))).isEqualTo(403);
            // the owner's socket is untouched by the refused attempt
            assertThat(owner.poll(java.time.Duration.ofMillis(200))).isNull();
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
        // after its socket closed the session still belongs to app-a: app-b cannot take it over or resume it
        assertThat(WsClient.handshakeStatus(gateway.ws("/ws/private-chat?" + credentials("app-b") + "&last_seq=-1")))
                .isEqualTo(403);
        try (WsClient back = gateway.connect("/ws/private-chat?" + credentials("app-a") + "&last_seq=-1")) {
            assertThat(back.next().json().path("recovered").asBoolean()).isTrue();
        }
        // other sessions are anyone's to open
        assertThat(WsClient.handshakeStatus(gateway.ws("/ws/other-chat?" + credentials("app-b")))).as("upgraded").isEqualTo(-1);
    }
}
