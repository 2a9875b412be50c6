package io.agentgateway.bench;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import org.HdrHistogram.ConcurrentHistogram;

/**
 * Opens WebSocket sessions against the gateway or the baseline, asks each for a stream, and records every
 * token's delay from the agent's send stamp to its arrival here. Non-blocking (Vert.x), so one process drives
 * thousands of sessions; past {@value #PER_SOURCE} sessions it uses further loopback source addresses.
 */
public final class LoadClient implements AutoCloseable {

    static final int PER_SOURCE = 20_000;

    private final Vertx vertx = Vertx.vertx();
    private final List<WebSocketClient> clients = new ArrayList<>();
    private final List<WebSocket> sockets = new ArrayList<>();
    final ConcurrentHistogram latencyMicros = new ConcurrentHistogram(60_000_000L, 3);
    final AtomicLong tokens = new AtomicLong();
    final AtomicLong errors = new AtomicLong();
    private volatile CountDownLatch finals;

    public LoadClient(int sessions) {
        int sources = Math.max(1, (sessions + PER_SOURCE - 1) / PER_SOURCE);
        for (int i = 0; i < sources; i++) {
            WebSocketClientOptions o = new WebSocketClientOptions().setMaxConnections(PER_SOURCE + 100)
                    .setTryUsePerMessageCompression(false).setConnectTimeout(30_000);
            o.setLocalAddress("127.0.0." + (i + 1));
            clients.add(vertx.createWebSocketClient(o));
        }
    }

    /** Opens {@code n} sessions, {@code batch} at a time, each through {@code path(i)}. */
    public void open(int port, int n, int batch, java.util.function.IntFunction<String> path) throws Exception {
        for (int start = 0; start < n; start += batch) {
            List<Future<WebSocket>> pending = new ArrayList<>();
            for (int i = start; i < Math.min(n, start + batch); i++) {
                WebSocketClient c = clients.get(i / PER_SOURCE);
                pending.add(c.connect(port, "127.0.0.1", path.apply(i)).onSuccess(this::listen));
            }
            Future.all(pending).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
            for (Future<WebSocket> f : pending) {
                sockets.add(f.result());
            }
        }
    }

    private void listen(WebSocket ws) {
        ws.textMessageHandler(text -> {
            // string scanning, not a JSON parser: the client shares the cores with what it measures
            int t = text.indexOf("\"token\":\"");
            if (text.contains("\"error\"")) {
                errors.incrementAndGet();
            }
            if (t >= 0) {
                int from = t + 9;
                int space = text.indexOf(' ', from);
                int quote = text.indexOf('"', from);
                if (space > from && space < quote) {
                    Instant now = Instant.now();
                    long nowMicros = now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
                    long sent = Long.parseLong(text, from, space, 10);
                    latencyMicros.recordValue(Math.max(0, nowMicros - sent));
                    tokens.incrementAndGet();
                }
            }
            if (text.contains("\"is_final\":true") && finals != null) {
                finals.countDown();
            }
        });
    }

    /**
     * Every open session asks for {@code tokensEach} tokens at {@code rate} per second (0 = as fast as possible),
     * spread over {@code rampMs}; returns the seconds until the last final, or -1 if not all finished in time.
     */
    public double stream(int tokensEach, double rate, long rampMs, long deadlineSec) throws InterruptedException {
        finals = new CountDownLatch(sockets.size());
        latencyMicros.reset();
        tokens.set(0);
        String ask = "{\"type\":\"user_message\",\"role\":\"user\",\"content\":\"bench " + tokensEach + " " + rate + "\"}";
        long t0 = System.nanoTime();
        for (int i = 0; i < sockets.size(); i++) {
            WebSocket ws = sockets.get(i);
            long delay = sockets.size() <= 1 ? 0 : rampMs * i / sockets.size();
            if (delay == 0) {
                ws.writeTextMessage(ask);
            } else {
                vertx.setTimer(delay, id -> ws.writeTextMessage(ask));
            }
        }
        boolean done = finals.await(deadlineSec, TimeUnit.SECONDS);
        return done ? (System.nanoTime() - t0) / 1e9 : -1;
    }

    public long unfinished() {
        return finals == null ? 0 : finals.getCount();
    }

    public int open() {
        return sockets.size();
    }

    /** The seed's credential for {@code appid}. */
    static String token(String appid, String secret) {
        try {
            long minute = Math.floorDiv(System.currentTimeMillis() / 1000, 60);
            byte[] d = MessageDigest.getInstance("SHA-256")
                    .digest((appid + secret + minute).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d).substring(0, 10);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() throws Exception {
        List<Future<Void>> closing = new ArrayList<>();
        for (WebSocket ws : sockets) {
            closing.add(ws.close());
        }
        try {
            Future.join(new ArrayList<>(closing)).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (Exception ignored) {
            // the target may be gone already
        }
        vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

}
