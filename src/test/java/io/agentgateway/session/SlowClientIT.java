package io.agentgateway.session;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import io.agentgateway.testing.RawWebSocket;
import io.agentgateway.testing.RunningGateway;
import io.agentgateway.testing.StandInAgent;
import io.agentgateway.testing.WsClient;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A client that never reads while a fast agent offers 100 MB: the gateway stops reading the agent instead of
 * buffering, other sessions stream on, and the slow client is closed with 4008.
 */
class SlowClientIT {

    private static final long OFFERED = 100L * 1024 * 1024;

    @Test
    void aClientThatNeverReadsCostsABoundedBufferAndIsClosedWith4008() throws Exception {
        // what the agent sends the stuck session; the readers below get their own firehose and count, because what
        // they take (and what waits in the stand-in's own socket buffers when they cancel) is not held back
        AtomicLong sent = new AtomicLong();
        StandInAgent.Script stuckFirehose = StandInAgent.firehose(OFFERED, 1000, sent);
        StandInAgent.Script readerFirehose = StandInAgent.firehose(OFFERED, 1000, new AtomicLong());
        try (StandInAgent fast = new StandInAgent().script((r, response, vertx) ->
                     ("a little".equals(r.lastUserMessage()) ? readerFirehose : stuckFirehose).answer(r, response, vertx));
             StandInAgent normal = new StandInAgent().script(StandInAgent.echo(Duration.ofMillis(20)));
             RunningGateway gateway = RunningGateway.builder().agentUrl(fast.url())
                     .property("gateway.session.slow-client-timeout", "3")
                     .property("gateway.session.resume-grace", "1")
                     .property("gateway.session.max-answer-bytes", Long.toString(2 * OFFERED))
                     .start();
             RunningGateway other = RunningGateway.builder().agentUrl(normal.url()).start()) {
            MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
            long before = usedHeapAfterGc(memory);

            RawWebSocket stuck = RawWebSocket.connect(gateway.port(), "/ws/never-reads", 16 * 1024);
            stuck.sendText("{\"type\":\"user_message\",\"content\":\"everything, please\"}");

            // while it is stuck: the agent is held back, and another session on the same gateway streams normally
            long deadline = System.nanoTime() + Duration.ofSeconds(2).toNanos();
            while (System.nanoTime() < deadline) {
                try (WsClient ok = gateway.connect("/ws/reader")) {
                    // same gateway, same agent: a reader of the firehose keeps up and gets frames at once
                    ok.userMessage("a little");
                    assertThat(ok.next(Duration.ofSeconds(2)).text("type")).isEqualTo("assistant_message");
                    ok.send("{\"type\":\"cancel\"}");
                    ok.untilFinal(Duration.ofSeconds(5));
                }
                try (WsClient echo = other.connect("/ws/echo")) {
                    assertThat(WsClient.joined(echo.userMessage("still fine here").untilFinal()))
                            .isEqualTo("still fine here");
                }
            }
            long heldBack = sent.get();
            long during = usedHeapAfterGc(memory);
            assertThat(heldBack).as("bytes the agent could send to a gateway whose client reads nothing")
                    .isLessThan(32L * 1024 * 1024);
            assertThat(during - before).as("heap growth while the client is stuck, bytes").isLessThan(24L * 1024 * 1024);

            // no progress for the slow-client timeout: closed with 4008, behind the frames queued before it
            SessionStreams streams = gateway.context().getRegistry()
                    .lookupByNameAndType("sessionStreams", SessionStreams.class);
            await().atMost(Duration.ofSeconds(10)).until(() -> !streams.hasReader("never-reads"));
            int code = -1;
            long until = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (System.nanoTime() < until) {
                RawWebSocket.Frame f = stuck.read(Duration.ofSeconds(10));
                if (f == null) {
                    break;
                }
                if (f.opcode() == RawWebSocket.CLOSE) {
                    code = f.closeCode();
                    break;
                }
            }
            assertThat(code).isEqualTo(4008);
            stuck.close();
            // and when it does not resume within the grace, the agent call is cut off
            assertThat(fast.awaitHangUp(Duration.ofSeconds(10))).isNotNull();
            assertThat(sent.get()).isLessThan(OFFERED);
        }
    }

    private static long usedHeapAfterGc(MemoryMXBean memory) {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return memory.getHeapMemoryUsage().getUsed();
    }
}
