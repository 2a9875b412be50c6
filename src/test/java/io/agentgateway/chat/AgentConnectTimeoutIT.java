package io.agentgateway.chat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.agentgateway.testing.GatewayProcess;
import io.agentgateway.testing.WsClient;
import io.agentgateway.testing.WsClient.Frame;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * An agent address whose TCP connect hangs (unlike a refused one, AgentUnreachableIT, which fails at once): each turn
 * fails with one error final after GATEWAY__REQUEST_TIMEOUT, the connect timeout of routes/agent-http.yaml, and the
 * socket and the process serve the next turn.
 * <p>
 * The hang is made on loopback: a listener with a backlog of 1 that never accepts, its accept queue filled first.
 * Linux then drops further SYNs (tcp_abort_on_overflow=0, the default), so a connect gets no answer at all.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AgentConnectTimeoutIT {

    private static final String EXPECTED = "Agent unreachable: connect timed out after 1 s";

    private ServerSocket blackHole;
    private final List<Socket> queueFillers = new ArrayList<>();
    private GatewayProcess gateway;

    @BeforeAll
    void start() throws Exception {
        blackHole = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"));
        fillAcceptQueue();
        gateway = GatewayProcess.start("connect-timeout", Map.of(
                "GATEWAY__AGENT_URL", "http://127.0.0.1:" + blackHole.getLocalPort() + "/v1/chat/completions",
                "GATEWAY__REQUEST_TIMEOUT", "1"));
    }

    /**
     * Connects until connects hang: those that succeed sit in the (never accepted) accept queue; two in a row that
     * time out (not one: a loopback connect slow only because the machine is busy) show that the next connect, the
     * gateway's, hangs too. Fails if the kernel never drops a SYN here.
     */
    private void fillAcceptQueue() throws IOException {
        InetSocketAddress address = new InetSocketAddress("127.0.0.1", blackHole.getLocalPort());
        int hungInARow = 0;
        for (int i = 0; i < 16 && hungInARow < 2; i++) {
            Socket s = new Socket();
            try {
                s.connect(address, 300);
                queueFillers.add(s);
                hungInARow = 0;
            } catch (SocketTimeoutException hung) {
                s.close();
                hungInARow++;
            }
        }
        if (hungInARow < 2) {
            fail("connects to a listener with backlog 1 that never accepts did not hang: no way to test it here");
        }
    }

    @AfterAll
    void stop() throws Exception {
        if (gateway != null) {
            gateway.close();
        }
        for (Socket s : queueFillers) {
            s.close();
        }
        blackHole.close();
    }

    @Test
    void aConnectThatHangsEndsEachTurnWithOneErrorFinalAfterTheTimeout() throws Exception {
        try (WsClient ws = gateway.connect("/ws/connect-hangs")) {
            for (int i = 0; i < 2; i++) {
                long sent = System.nanoTime();
                // longer than the bound below, so a turn with no final at all fails there with its own message
                List<Frame> turn = ws.userMessage("anyone there?").untilFinal(Duration.ofSeconds(8));
                long ms = (System.nanoTime() - sent) / 1_000_000;

                assertThat(turn).as("turn %d", i).singleElement().satisfies(f -> {
                    assertThat(f.text("type")).isEqualTo("error");
                    assertThat(f.text("error")).isEqualTo(EXPECTED);
                    assertThat(f.isFinal()).isTrue();
                });
                // the connect timeout (1 s), not an immediate failure; the margin is for a busy 2-core machine.
                // Without the connect timeout the kernel keeps trying for about two minutes.
                assertThat(ms).as("turn %d ended after (ms)", i).isBetween(900L, 4000L);
                assertThat(ws.poll(Duration.ofMillis(300))).as("nothing after the error final").isNull();
            }
            assertThat(ws.closed()).as("socket still open").isNotDone();
        }
        assertThat(gateway.isAlive()).isTrue();
    }
}
