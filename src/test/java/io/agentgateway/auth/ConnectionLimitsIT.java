package io.agentgateway.auth;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.agentgateway.testing.GatewayWithAgent;
import io.agentgateway.testing.RawHandshake;
import io.agentgateway.testing.RunningGateway;
import io.agentgateway.testing.SeedCredentials;
import io.agentgateway.testing.WsClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * GATEWAY__MAX_CONNECTIONS (4) and GATEWAY__MAX_CONNECTIONS_PER_APP (2) with seed auth, on /ws/{session_id} and
 * /ws together: 429 and 503 before the upgrade, and a slot freed by a closed or dropped socket is reusable.
 */
class ConnectionLimitsIT extends GatewayWithAgent {

    private static final String SECRET = "limits-secret";
    private static final Duration DEADLINE = Duration.ofSeconds(10);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final SeedCredentials seed = new SeedCredentials(SECRET);
    private final List<WsClient> open = new ArrayList<>();
    private ConnectionLimits limits;

    @Override
    protected RunningGateway.Builder configure(RunningGateway.Builder builder) {
        return builder.property("gateway.auth.fixed-secret", SECRET)
                .property("gateway.ws.max-connections", "4")
                .property("gateway.ws.max-connections-per-app", "2");
    }

    @BeforeEach
    void nothingOpen() {
        limits = gateway.context().getRegistry().lookupByNameAndType("connectionLimits", ConnectionLimits.class);
        await().atMost(DEADLINE).until(() -> limits.open() == 0);
    }

    @AfterEach
    void closeAll() {
        open.forEach(WsClient::close);
        open.clear();
        await().atMost(DEADLINE).until(() -> limits.open() == 0);
    }

    private String query(String appid) {
        return seed.query(appid);
    }

    private WsClient connect(String path, String appid) {
        WsClient ws = gateway.connect(path + "?" + query(appid));
        open.add(ws);
        return ws;
    }

    private RawHandshake.Response attempt(String path, String appid) throws Exception {
        return RawHandshake.send(gateway.port(), path + "?" + query(appid), Map.of());
    }

    @Test
    void perAppThen429AndPerInstanceThen503BeforeTheUpgrade() throws Exception {
        connect("/ws/lim-a1", "app1");
        connect("/ws", "app1");
        RawHandshake.Response tooManyForApp = attempt("/ws/lim-a3", "app1");
        assertThat(tooManyForApp.status()).isEqualTo(429);
        assertThat(JSON.readTree(tooManyForApp.body()).path("error").asText()).contains("limit is 2");
        assertThat(attempt("/ws", "app1").status()).isEqualTo(429);

        connect("/ws/lim-b1", "app2");
        connect("/ws", "app3");
        assertThat(limits.open()).isEqualTo(4);
        RawHandshake.Response full = attempt("/ws/lim-c1", "app4");
        assertThat(full.status()).isEqualTo(503);
        assertThat(JSON.readTree(full.body()).path("error").asText()).contains("limit of 4");
        assertThat(attempt("/ws", "app4").status()).isEqualTo(503);
        assertThat(limits.open()).as("refused handshakes hold nothing").isEqualTo(4);
        assertThat(limits.open("app1")).isEqualTo(2);
    }

    @Test
    void aSlotFreedByAClosedSocketIsReusable() {
        WsClient first = connect("/ws/lim-r1", "app1");
        connect("/ws/lim-r2", "app1");
        assertThat(WsClient.handshakeStatus(gateway.ws("/ws/lim-r3?" + query("app1")))).isEqualTo(429);

        first.close();
        open.remove(first);
        await().atMost(DEADLINE).until(() -> limits.open("app1") == 1);
        connect("/ws/lim-r3", "app1");
        assertThat(limits.open("app1")).isEqualTo(2);
    }

    @Test
    void aDroppedConnectionFreesItsSlotToo() {
        WsClient first = connect("/ws", "app5");
        connect("/ws", "app5");
        first.abort();
        open.remove(first);
        await().atMost(DEADLINE).until(() -> limits.open("app5") == 1);
        connect("/ws", "app5");
    }

    @Test
    void refusedAndNonUpgradeRequestsAreNotCounted() throws Exception {
        assertThat(RawHandshake.send(gateway.port(), "/ws/lim-x?appid=app1&token=0000000000", Map.of()).status())
                .isEqualTo(401);
        assertThat(gateway.get("/ws/lim-x?" + query("app1")).statusCode()).isEqualTo(400);
        assertThat(limits.open()).isZero();
        // the connection of a plain GET stays open (keep-alive) and still holds nothing
        connect("/ws/lim-y1", "app1");
        connect("/ws/lim-y2", "app1");
        assertThat(limits.open()).isEqualTo(2);
    }
}
