package io.agentgateway.ws;

import java.time.Duration;

import io.agentgateway.testing.GatewayWithAgent;
import io.agentgateway.testing.RawWebSocket;
import io.agentgateway.testing.RawWebSocket.Frame;
import io.agentgateway.testing.RunningGateway;
import org.junit.jupiter.api.Test;

import static io.agentgateway.testing.RawWebSocket.CLOSE;
import static io.agentgateway.testing.RawWebSocket.PING;
import static io.agentgateway.testing.RawWebSocket.PONG;
import static io.agentgateway.testing.RawWebSocket.TEXT;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Idle sockets: the server pings a silent client every ping interval and closes it with 1001 once it has been
 * silent for the idle timeout; a client that answers pings, or keeps sending, stays open.
 */
class WebSocketKeepAliveIT extends GatewayWithAgent {

    private static final Duration PING_INTERVAL = Duration.ofMillis(250);
    private static final Duration IDLE_TIMEOUT = Duration.ofMillis(1000);
    private static final String CANCEL = "{\"type\":\"cancel\"}";
    private static final String NOTHING_TO_CANCEL = "{\"error\":\"Nothing to cancel: no answer is streaming\"}";

    @Override
    protected RunningGateway.Builder configure(RunningGateway.Builder builder) {
        return builder.property("gateway.ws.ping-interval", "0.25").property("gateway.ws.idle-timeout", "1");
    }

    @Test
    void aClientThatNeverAnswersIsPingedThenClosedWith1001() throws Exception {
        long start = System.nanoTime();
        try (RawWebSocket ws = RawWebSocket.connect(gateway.port(), "/ws/keepalive-silent")) {
            int pings = 0;
            Frame f;
            while ((f = ws.read()) != null && f.opcode() == PING) {
                pings++;
            }
            Duration silentFor = Duration.ofNanos(System.nanoTime() - start);
            assertThat(f).as("a close frame after the pings").isNotNull();
            assertThat(f.opcode()).isEqualTo(CLOSE);
            assertThat(f.closeCode()).isEqualTo(1001);
            assertThat(pings).as("pings before the close").isGreaterThanOrEqualTo(2);
            assertThat(silentFor).isGreaterThanOrEqualTo(IDLE_TIMEOUT);
            assertThat(ws.endsWithin(Duration.ofSeconds(10))).isTrue();
        }
    }

    @Test
    void aClientThatAnswersPingsStaysOpenPastTheIdleTimeout() throws Exception {
        try (RawWebSocket ws = RawWebSocket.connect(gateway.port(), "/ws/keepalive-pong")) {
            int pings = 0;
            long until = System.nanoTime() + IDLE_TIMEOUT.multipliedBy(3).toNanos();
            while (System.nanoTime() < until) {
                Frame f = readUntil(ws, until);
                if (f == null) {
                    continue;
                }
                assertThat(f.opcode()).as("only pings while the client is quiet: %s", f).isEqualTo(PING);
                pings++;
                ws.send(true, 0, PONG, f.payload());
            }
            assertThat(pings).as("the server pinged the quiet client").isGreaterThanOrEqualTo(3);
            ws.sendText(CANCEL);
            assertThat(ws.next().text()).isEqualTo(NOTHING_TO_CANCEL);
        }
    }

    @Test
    void aClientThatKeepsSendingStaysOpenPastTheIdleTimeout() throws Exception {
        try (RawWebSocket ws = RawWebSocket.connect(gateway.port(), "/ws/keepalive-chatty")) {
            long until = System.nanoTime() + IDLE_TIMEOUT.multipliedBy(3).toNanos();
            int answers = 0;
            while (System.nanoTime() < until) {
                ws.sendText(CANCEL); // never a pong: only its frames keep it alive
                Frame f = ws.next();
                assertThat(f).as("the socket is still open").isNotNull();
                assertThat(f.opcode()).isEqualTo(TEXT);
                assertThat(f.text()).isEqualTo(NOTHING_TO_CANCEL);
                answers++;
                Frame extra = readUntil(ws, System.nanoTime() + PING_INTERVAL.dividedBy(2).toNanos());
                assertThat(extra == null || extra.opcode() == PING).as("nothing but pings: %s", extra).isTrue();
            }
            assertThat(answers).isGreaterThan(3);
        }
    }

    /** The next frame before the deadline, or null when none came. */
    private static Frame readUntil(RawWebSocket ws, long deadlineNanos) throws Exception {
        long left = deadlineNanos - System.nanoTime();
        if (left <= 0) {
            return null;
        }
        try {
            Frame f = ws.read(Duration.ofNanos(left));
            assertThat(f).as("the server kept the socket open").isNotNull();
            return f;
        } catch (java.net.SocketTimeoutException e) {
            return null;
        }
    }
}
