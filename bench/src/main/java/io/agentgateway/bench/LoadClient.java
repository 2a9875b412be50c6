package io.agentgateway.bench;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import org.HdrHistogram.ConcurrentHistogram;

/**
 * Opens chat WebSocket sessions against the gateway or the baseline, asks each for a stream of the stand-in agent's
 * tokens, and checks and times what comes back. Non-blocking (Vert.x), so one process drives thousands of sessions;
 * past {@value #PER_SOURCE} sessions it uses further loopback source addresses.
 *
 * <p>Counts are of tokens, not frames: a frame's {@code token} text may hold several of the agent's tokens (a relay
 * may merge tokens that wait for a slow socket), each {@code "<index>:<micros> "}. Every token's delay is recorded
 * from its stamp, and every session's indexes must come exactly once and in order, all of them before the final.
 *
 * <p>A slow reader ({@link #readingAtMost}) keeps its sockets paused and lets through at most so many frames a
 * second, so the relay sees a client that takes its frames late, as a phone on a poor network does.
 */
public final class LoadClient implements AutoCloseable {

    static final int PER_SOURCE = 20_000;
    /** How often a slow reader takes its next frames. */
    static final long READ_TICK_MS = 100;
    private static final int PROBLEMS_KEPT = 5;

    /** One session's progress through the current answer; touched by its socket's event loop and by ask(). */
    private static final class Session {
        final WebSocket ws;
        volatile int expected;
        volatile int next;
        volatile boolean finished;
        /** frames let through and frames taken, for a slow reader */
        long granted;
        long taken;

        Session(WebSocket ws) {
            this.ws = ws;
        }
    }

    private final Vertx vertx = Vertx.vertx();
    private final List<WebSocketClient> clients = new ArrayList<>();
    private final List<Session> sessions = Collections.synchronizedList(new ArrayList<>());
    private final int framesPerSecond;
    final ConcurrentHistogram latencyMicros = new ConcurrentHistogram(60_000_000L, 3);
    /** The same delays by when the token arrived, in 250 ms steps from the round's ask: where in a round they pile up. */
    final ConcurrentHistogram[] timeline = new ConcurrentHistogram[24];
    /** tokens, frames and characters of token text received in the current round */
    final AtomicLong tokens = new AtomicLong();
    final AtomicLong frames = new AtomicLong();
    final AtomicLong tokenChars = new AtomicLong();
    final AtomicLong errors = new AtomicLong();
    /** tokens missing, repeated or out of order, and answers that ended short */
    final AtomicLong wrong = new AtomicLong();
    private final Set<String> problems = Collections.synchronizedSet(new LinkedHashSet<>());
    private volatile CountDownLatch finals;
    private long askedAt;
    /** the same instant, on the wall clock, to find the round in a profile of the process under test */
    volatile long askedAtMillis;

    /** The timeline of the round: for each 250 ms step with tokens, "p99/max" of their delay in ms. */
    public String timelineText() {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < timeline.length; i++) {
            ConcurrentHistogram step = timeline[i];
            if (step.getTotalCount() > 0) {
                text.append(String.format(" %.2fs:%.1f/%.1f", i * 0.25, step.getValueAtPercentile(99) / 1000.0,
                        step.getMaxValue() / 1000.0));
            }
        }
        return text.toString();
    }

    /** A client that reads everything as it comes. */
    public LoadClient(int sessions) {
        this(sessions, 0, 0);
    }

    /**
     * @param framesPerSecond at most this many frames a second per socket (0: as they come)
     * @param receiveBuffer   the sockets' receive buffer in bytes (0: the system's, which grows to megabytes on
     *                        loopback and would hide a slow reader's backlog from the relay)
     */
    private LoadClient(int sessions, int framesPerSecond, int receiveBuffer) {
        this.framesPerSecond = framesPerSecond;
        for (int i = 0; i < timeline.length; i++) {
            timeline[i] = new ConcurrentHistogram(60_000_000L, 2);
        }
        int sources = Math.max(1, (sessions + PER_SOURCE - 1) / PER_SOURCE);
        for (int i = 0; i < sources; i++) {
            WebSocketClientOptions o = new WebSocketClientOptions().setMaxConnections(PER_SOURCE + 100)
                    .setTryUsePerMessageCompression(false).setConnectTimeout(30_000);
            if (receiveBuffer > 0) {
                o.setReceiveBufferSize(receiveBuffer);
            }
            o.setLocalAddress("127.0.0." + (i + 1));
            clients.add(vertx.createWebSocketClient(o));
        }
    }

    /** A client whose sockets take at most {@code framesPerSecond} frames a second each. */
    static LoadClient readingAtMost(int sessions, int framesPerSecond, int receiveBuffer) {
        return new LoadClient(sessions, framesPerSecond, receiveBuffer);
    }

    /** Opens {@code n} chat sessions named {@code <prefix>-<i>}, 500 at a time. */
    public void open(int port, int n, String prefix) throws Exception {
        open(port, n, 500, i -> "/ws/" + prefix + "-" + i);
    }

    /** Opens {@code n} sessions, {@code batch} at a time, each through {@code path(i)}. */
    public void open(int port, int n, int batch, IntFunction<String> path) throws Exception {
        for (int start = 0; start < n; start += batch) {
            List<Future<WebSocket>> pending = new ArrayList<>();
            for (int i = start; i < Math.min(n, start + batch); i++) {
                WebSocketClient c = clients.get(i / PER_SOURCE);
                pending.add(c.connect(port, "127.0.0.1", path.apply(i)).onSuccess(this::listen));
            }
            Future.all(pending).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
        }
    }

    /** Runs on the socket's event loop: its handlers, and a slow reader's timer, stay on that thread. */
    private void listen(WebSocket ws) {
        Session s = new Session(ws);
        sessions.add(s);
        ws.textMessageHandler(text -> received(s, text));
        ws.exceptionHandler(e -> {
            // a connection reset by a stopped process under test: what was received is what counts
        });
        if (framesPerSecond > 0) {
            int perTick = (int) Math.max(1, framesPerSecond * READ_TICK_MS / 1000);
            ws.pause();
            vertx.setPeriodic(READ_TICK_MS, id -> {
                if (ws.isClosed()) {
                    vertx.cancelTimer(id);
                    return;
                }
                // never more than one tick's frames let through at once: no credit piles up while nothing comes
                long more = s.taken + perTick - s.granted;
                if (more > 0) {
                    s.granted += more;
                    ws.fetch(more);
                }
            });
        }
    }

    private void received(Session s, String text) {
        s.taken++;
        frames.incrementAndGet();
        // string scanning, not a JSON parser: the client shares the cores with what it measures
        if (text.contains("\"error\"")) {
            errors.incrementAndGet();
            problem("error frame: " + text);
        }
        int t = text.indexOf("\"token\":\"");
        if (t >= 0) {
            int from = t + 9;
            int end = text.indexOf('"', from);
            tokenChars.addAndGet(end - from);
            stamps(s, text, from, end);
        }
        if (text.contains("\"is_final\":true")) {
            if (!s.finished) {
                s.finished = true;
                if (s.next != s.expected) {
                    wrong.incrementAndGet();
                    problem("answer ended after " + s.next + " of " + s.expected + " tokens");
                }
                CountDownLatch f = finals;
                if (f != null) {
                    f.countDown();
                }
            }
        }
    }

    /** Each {@code "<index>:<micros> "} in text[from, end): its delay, and whether it is the one due next. */
    private void stamps(Session s, String text, int from, int end) {
        Instant now = Instant.now();
        long nowMicros = now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
        int i = from;
        while (i < end) {
            int colon = text.indexOf(':', i);
            int space = text.indexOf(' ', i);
            if (colon < 0 || space < 0 || colon > space || space > end) {
                wrong.incrementAndGet();
                problem("unreadable token text: " + text.substring(from, end));
                return;
            }
            int index = Integer.parseInt(text, i, colon, 10);
            long sent = Long.parseLong(text, colon + 1, space, 10);
            long delay = Math.max(0, nowMicros - sent);
            latencyMicros.recordValue(Math.min(latencyMicros.getHighestTrackableValue(), delay));
            int step = (int) Math.min(timeline.length - 1, (System.nanoTime() - askedAt) / 250_000_000L);
            timeline[step].recordValue(Math.min(latencyMicros.getHighestTrackableValue(), delay));
            tokens.incrementAndGet();
            if (index != s.next) {
                wrong.incrementAndGet();
                problem("token " + index + " where " + s.next + " was due");
            }
            s.next = index + 1;
            i = space + 1;
        }
    }

    private void problem(String what) {
        if (problems.size() < PROBLEMS_KEPT) {
            problems.add(what.length() > 200 ? what.substring(0, 200) + "…" : what);
        }
    }

    /**
     * Every open session asks for {@code tokensEach} tokens at {@code rate} per second (0 = as fast as possible),
     * spread over {@code rampMs}; returns the seconds until the last final, or -1 if not all finished in time.
     */
    public double stream(int tokensEach, double rate, long rampMs, long deadlineSec) throws InterruptedException {
        ask(tokensEach, rate, rampMs);
        return awaitFinals(deadlineSec);
    }

    /** Starts a round: every open session asks for an answer, the counts start from zero. */
    public void ask(int tokensEach, double rate, long rampMs) {
        List<Session> all = List.copyOf(sessions);
        finals = new CountDownLatch(all.size());
        latencyMicros.reset();
        for (ConcurrentHistogram step : timeline) {
            step.reset();
        }
        tokens.set(0);
        frames.set(0);
        tokenChars.set(0);
        String ask = "{\"type\":\"user_message\",\"role\":\"user\",\"content\":\"bench " + tokensEach + " " + rate + "\"}";
        askedAt = System.nanoTime();
        askedAtMillis = System.currentTimeMillis();
        for (int i = 0; i < all.size(); i++) {
            Session s = all.get(i);
            s.expected = tokensEach;
            s.next = 0;
            s.finished = false;
            long delay = all.size() <= 1 ? 0 : rampMs * i / all.size();
            if (delay == 0) {
                s.ws.writeTextMessage(ask);
            } else {
                vertx.setTimer(delay, id -> s.ws.writeTextMessage(ask));
            }
        }
    }

    /** Seconds from the round's ask to its last final, or -1 if some did not finish within {@code deadlineSec}. */
    public double awaitFinals(long deadlineSec) throws InterruptedException {
        boolean done = finals.await(deadlineSec, TimeUnit.SECONDS);
        return done ? secondsSinceAsk() : -1;
    }

    public double secondsSinceAsk() {
        return (System.nanoTime() - askedAt) / 1e9;
    }

    public long unfinished() {
        return finals == null ? 0 : finals.getCount();
    }

    public int open() {
        return sessions.size();
    }

    /** The first few kinds of problem seen (error frames, wrong or missing tokens), for the report. */
    public String problems() {
        synchronized (problems) {
            return problems.isEmpty() ? "" : String.join("; ", problems);
        }
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

    /** Closes every connection; a slow reader first reads on, or its paused sockets would never see the close. */
    @Override
    public void close() throws Exception {
        if (framesPerSecond > 0) {
            for (Session s : List.copyOf(sessions)) {
                s.ws.resume();
            }
        }
        vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

}
