package io.agentgateway.ws;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.agentgateway.testing.RunningGateway;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClientOptions;
import io.agentgateway.testing.WsClient;
import io.agentgateway.testing.WsClient.Frame;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * GATEWAY__WS_MAX_FRAMES_PER_SECOND (5 here, burst 5) and GATEWAY__WS_FLOOD_WINDOW (2 s here, 10 s by default) on
 * both WebSocket endpoints: frames beyond the bucket are refused, a flooder is closed with 1008, and a compliant
 * socket next to it keeps its latency.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FrameRateLimitIT {

    private static final int RATE = 5;
    private static final Duration FLOOD_WINDOW = Duration.ofSeconds(2);
    private static final String REFUSAL = "Too many frames: the limit is 5 per second (GATEWAY__WS_MAX_FRAMES_PER_SECOND)";
    private static final String NOTHING_TO_CANCEL = "Nothing to cancel: no answer is streaming";
    private static final String CANCEL = "{\"type\":\"cancel\"}";

    private RunningGateway gateway;

    @BeforeAll
    void start() throws Exception {
        gateway = RunningGateway.builder()
                .property("gateway.ws.max-frames-per-second", Integer.toString(RATE))
                .property("gateway.ws.flood-window", Double.toString(FLOOD_WINDOW.toMillis() / 1000.0))
                .start();
    }

    @AfterAll
    void stop() {
        if (gateway != null) {
            gateway.close();
        }
    }

    @Test
    void aBurstBeyondTheBucketIsRefusedAndTheSocketStaysUsable() throws Exception {
        try (WsClient ws = gateway.connect("/ws/rate-burst")) {
            int sent = 15;
            long t0 = System.nanoTime();
            for (int i = 0; i < sent; i++) {
                ws.send(CANCEL);
            }
            long burstMs = (System.nanoTime() - t0) / 1_000_000;
            int refused = 0;
            int handled = 0;
            for (int i = 0; i < sent; i++) {
                String error = ws.next().text("error");
                if (error.startsWith(REFUSAL)) {
                    refused++;
                } else {
                    assertThat(error).isEqualTo(NOTHING_TO_CANCEL);
                    handled++;
                }
            }
            // the bucket holds 5 and gets one back every 200 ms while the burst is being sent
            assertThat(handled).isGreaterThanOrEqualTo(RATE).isLessThanOrEqualTo(RATE + 1 + (int) (burstMs / 200));
            assertThat(refused).isEqualTo(sent - handled).isPositive();
            assertThat(ws.poll(Duration.ofMillis(200))).as("one answer per frame, nothing more").isNull();

            // the bucket refills with time (the limit's own clock, not a race): the socket works again
            Thread.sleep(1_100);
            assertThat(ws.send(CANCEL).next().text("error")).isEqualTo(NOTHING_TO_CANCEL);
            assertThat(ws.closed()).isNotDone();
        }
    }

    @Test
    void theJudgementSocketIsLimitedToo() throws Exception {
        try (WsClient ws = gateway.connect("/ws")) {
            int sent = 12;
            for (int i = 0; i < sent; i++) {
                ws.send("{\"type\":\"cancel\"}");
            }
            int refused = 0;
            for (int i = 0; i < sent; i++) {
                if (ws.next().text("error").startsWith(REFUSAL)) {
                    refused++;
                }
            }
            assertThat(refused).isPositive();
            assertThat(ws.closed()).isNotDone();
        }
    }

    @Test
    void aFlooderIsClosedWith1008AfterTheWindowAndACompliantNeighbourKeepsItsLatency() throws Exception {
        try (WsClient calm = gateway.connect("/ws/rate-calm")) {
            List<Long> before = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                before.add(roundTripMillis(calm));
                Thread.sleep(250); // 4 frames a second: within the rate
            }

            long floodStart = System.nanoTime();
            try (Flooder flood = Flooder.start(gateway.port(), "/ws/rate-flood", CANCEL)) {
                List<Long> during = new ArrayList<>();
                while (!flood.closed.isDone() && System.nanoTime() - floodStart < TimeUnit.SECONDS.toNanos(15)) {
                    during.add(roundTripMillis(calm));
                    Thread.sleep(250);
                }
                int code = flood.closed.get(15, TimeUnit.SECONDS);
                long floodMillis = (System.nanoTime() - floodStart) / 1_000_000;

                assertThat(code).isEqualTo(1008);
                assertThat(gateway.get("/asyncapi.yaml").body()).as("the close code is documented").contains("'1008':");
                assertThat(flood.refusals.get()).as("the flooder went well over the rate and was told")
                        .isGreaterThan(10L * RATE);
                assertThat(floodMillis).as("closed once the flood lasted the window, not before")
                        .isGreaterThanOrEqualTo(FLOOD_WINDOW.toMillis()).isLessThan(FLOOD_WINDOW.toMillis() + 5_000);
                assertThat(during).as("round trips measured during the flood").hasSizeGreaterThanOrEqualTo(3);
                String seen = String.format("round trips in ms before the flood %s, during the flood of %d frames %s",
                        before, flood.sent.get(), during);
                // A neighbour queued behind the flood would wait on the order of the flood itself (seconds). The
                // bounds are generous because the machine running the tests is shared: one GC pause or a busy
                // core shows up as a slow round trip whatever the gateway does.
                assertThat(median(during)).as(seen).isLessThan(250);
                assertThat(during.stream().mapToLong(Long::longValue).max().orElseThrow()).as(seen)
                        .isLessThan(floodMillis / 2);
            }
            assertThat(calm.closed()).as("the compliant neighbour is never closed").isNotDone();
            assertThat(roundTripMillis(calm)).isLessThan(500);
        }
    }

    /**
     * A client that floods one frame 10,000 times a second (2,000 times the rate), on its own Vert.x (so its
     * traffic shares no client thread with the socket whose latency is measured), and reads what comes back. The
     * pace is fixed rather than "as fast as possible": in one JVM on a shared machine, an unbounded flooder would
     * measure the fight for CPU between the flooder and the gateway, not whether the gateway keeps sockets apart.
     */
    private static final class Flooder implements AutoCloseable {
        static final int PER_MILLI = 10;
        final AtomicLong sent = new AtomicLong();
        final AtomicLong refusals = new AtomicLong();
        final CompletableFuture<Integer> closed = new CompletableFuture<>();
        private final Vertx vertx = Vertx.vertx();

        static Flooder start(int port, String path, String frame) throws Exception {
            Flooder f = new Flooder();
            WebSocket ws = f.vertx.createWebSocketClient(new WebSocketClientOptions())
                    .connect(port, "127.0.0.1", path).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            ws.textMessageHandler(text -> {
                if (text.contains("GATEWAY__WS_MAX_FRAMES_PER_SECOND")) {
                    f.refusals.incrementAndGet();
                }
            });
            ws.closeHandler(v -> f.closed.complete(ws.closeStatusCode() == null ? -1 : (int) ws.closeStatusCode()));
            f.vertx.runOnContext(v -> f.pump(ws, frame));
            return f;
        }

        /** Writes {@link #PER_MILLI} frames each millisecond (unless the write queue is full): a steady flood. */
        private void pump(WebSocket ws, String frame) {
            vertx.setPeriodic(1, id -> {
                if (closed.isDone() || ws.isClosed()) {
                    vertx.cancelTimer(id);
                    return;
                }
                for (int i = 0; i < PER_MILLI && !ws.writeQueueFull(); i++) {
                    ws.writeTextMessage(frame);
                    sent.incrementAndGet();
                }
            });
        }

        @Override
        public void close() throws Exception {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }

    private static long median(List<Long> values) {
        List<Long> sorted = values.stream().sorted().toList();
        return sorted.get(sorted.size() / 2);
    }

    /** A cancel with nothing streaming: the gateway answers with an error frame at once. */
    private static long roundTripMillis(WsClient ws) {
        long t0 = System.nanoTime();
        Frame f = ws.send(CANCEL).next(Duration.ofSeconds(5));
        long ms = (f.nanos() - t0) / 1_000_000;
        assertThat(f.text("error")).as("a compliant client is never refused").isEqualTo(NOTHING_TO_CANCEL);
        return ms;
    }
}
