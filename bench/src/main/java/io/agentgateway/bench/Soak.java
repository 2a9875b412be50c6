package io.agentgateway.bench;

import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.util.stream.IntStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import redis.embedded.RedisServer;

/**
 * The chaos soak: N chat sessions for a bounded time against two gateway instances sharing one Redis, with faults on
 * a schedule (clients dropping mid-answer and resuming on the other instance, slow readers, a Redis restart, one
 * instance killed and restarted), counting every frame of every answer. The agent is deterministic, so each answer's
 * tokens are known in advance and tokens carry their session, turn and index: a frame seen twice, out of order, of
 * another session or missing is detected, as is an answer that never ends.
 *
 * <pre>
 * java -cp bench/target/agent-gateway-bench.jar io.agentgateway.bench.Soak [--smoke] [--sessions N] [--seconds S]
 *      [--sample-every S] [--gateway-heap 512m] [--out FILE]
 * </pre>
 * Exit code 0 when no answer was hung, duplicated, reordered, misrouted, gapped or wrong and, in a run long enough to
 * judge, heap after GC, threads and descriptors of each instance stayed flat; 1 otherwise.
 */
public final class Soak {

    static final int TOKENS = 30;
    static final int TOKEN_GAP_MS = 20;
    /** "drop-" answers: this many tokens, then the agent closes the connection. */
    static final int DROP_AFTER = 10;

    enum Outcome { OK, EXPECTED_ERROR, INTERRUPTED, ERRORED, HUNG, DUPLICATED, REORDERED, MISROUTED, GAPPED, WRONG }

    private final boolean smoke;
    private final int sessions;
    private final int loadSeconds;
    private final int deadlineSeconds;
    private final double randomDisconnect;
    private final String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    private final Path gatewayJar = Path.of("target/agent-gateway.jar");
    private final Path logs = Path.of("bench/target/soak-logs");

    private final Map<Outcome, AtomicInteger> outcomes = new ConcurrentHashMap<>();
    private final AtomicInteger resumes = new AtomicInteger();
    private final AtomicInteger unrecovered = new AtomicInteger();
    private final AtomicInteger resumeViolations = new AtomicInteger();
    private final AtomicInteger refused = new AtomicInteger();
    private final AtomicInteger resent = new AtomicInteger();
    private final AtomicInteger closedByServer = new AtomicInteger();
    private final AtomicLong tokens = new AtomicLong();
    /** frames that carried several tokens (merged for a reader that fell behind) */
    private final AtomicLong mergedFrames = new AtomicLong();
    private final List<String> problems = Collections.synchronizedList(new ArrayList<>());
    /** problems noted per kind, so that one kind of problem cannot hide the others from the report */
    private final Map<Object, AtomicInteger> problemsByKind = new java.util.concurrent.ConcurrentHashMap<>();
    /**
     * How long a client waits for a handshake. Not 2 s, as it was: a thousand handshakes at once take 2–2.5 s with
     * the JDK's client on this 2-core machine against a bare Vert.x server (docs/reliability.md), so clients gave up
     * on handshakes that were on their way and opened again, doubling the storm.
     */
    private static final Duration HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);
    private final AtomicInteger firstOpenRetries = new AtomicInteger();
    /** per session, from its thread's start to its first open socket, in ms (the start storm's cost) */
    private final List<Long> firstOpenMillis = Collections.synchronizedList(new ArrayList<>());

    /** Notes a problem for the report: at most 40 of each kind. */
    private void problem(Object kind, String text) {
        if (problemsByKind.computeIfAbsent(kind, x -> new AtomicInteger()).incrementAndGet() <= 40) {
            problems.add(text);
        }
    }
    private final List<String> events = Collections.synchronizedList(new ArrayList<>());
    private final Map<String, AtomicInteger> errorTexts = new ConcurrentHashMap<>();

    private final AtomicInteger waveGeneration = new AtomicInteger();

    /** One look at one gateway process during the run. */
    record Sample(double second, int instance, long pid, long heapKib, long rssKib, int threads, long fds) { }

    private final List<Sample> samples = Collections.synchronizedList(new ArrayList<>());
    /** when instance 1 was killed, in seconds from t0; -1 before */
    private volatile double killedAt = -1;
    /** seconds between samples; each forces a full GC in both instances (jcmd GC.run) */
    private final int sampleEvery;
    /** -Xmx of the gateway processes: without it the JVM sizes the heap from the machine (RSS reached 4.9 GiB) */
    private final String gatewayHeap;
    private final int[] ports = new int[2];
    private final Target[] instances = new Target[2];
    private final String[][] figures = new String[2][];
    private Map<String, String> baseEnv;
    /**
     * Several clients, each with its own selector thread: one JDK HttpClient reads every one of its WebSockets on one
     * thread, which for a thousand sessions could make the harness, not the gateway, the slow side. (Spreading them
     * did not change how many first sockets time out in the 1,000-session run: see docs/reliability.md.)
     */
    private final HttpClient[] http = IntStream.range(0, 16)
            .mapToObj(i -> HttpClient.newBuilder().executor(Executors.newFixedThreadPool(2))
                    .connectTimeout(HANDSHAKE_TIMEOUT).build())
            .toArray(HttpClient[]::new);
    private long t0;
    private volatile long loadEnd;

    private Soak(boolean smoke, int sessions, int loadSeconds, Integer sampleEvery, String gatewayHeap) {
        this.smoke = smoke;
        this.sampleEvery = sampleEvery != null ? sampleEvery : smoke ? 10 : Math.max(15, loadSeconds / 30);
        this.gatewayHeap = gatewayHeap;
        this.sessions = sessions;
        this.loadSeconds = loadSeconds;
        this.deadlineSeconds = smoke ? 12 : 30;
        this.randomDisconnect = smoke ? 0.0 : 0.02;
        for (Outcome o : Outcome.values()) {
            outcomes.put(o, new AtomicInteger());
        }
    }

    public static void main(String[] args) throws Exception {
        boolean smoke = false;
        Integer sessions = null;
        Integer seconds = null;
        Path out = Path.of("bench/target/soak.md");
        Integer sampleEvery = null;
        String heap = "512m";
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--smoke" -> smoke = true;
                case "--sessions" -> sessions = Integer.parseInt(args[++i]);
                case "--seconds" -> seconds = Integer.parseInt(args[++i]);
                case "--minutes" -> seconds = 60 * Integer.parseInt(args[++i]);
                case "--out" -> out = Path.of(args[++i]);
                case "--sample-every" -> sampleEvery = Integer.parseInt(args[++i]);
                case "--gateway-heap" -> heap = args[++i];
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        Soak soak = new Soak(smoke, sessions != null ? sessions : smoke ? 20 : 100,
                seconds != null ? seconds : smoke ? 30 : 180, sampleEvery, heap);
        boolean failed;
        String report;
        try {
            failed = soak.run();
        } finally {
            report = soak.report();
            System.out.println(report);
            Files.createDirectories(out.toAbsolutePath().getParent());
            Files.writeString(out, report);
        }
        System.exit(failed ? 1 : 0);
    }

    // --- the run ------------------------------------------------------------------------------------

    private boolean run() throws Exception {
        if (!Files.isRegularFile(gatewayJar)) {
            throw new IllegalStateException("build the gateway first (mvn -q package -DskipTests): no " + gatewayJar);
        }
        Files.createDirectories(logs);
        t0 = System.nanoTime();
        int redisPort = Bench.freePort();
        RedisServer[] redis = {redis(redisPort)};
        redis[0].start();
        Vertx vertx = Vertx.vertx();
        int agentPort = startAgent(vertx);
        baseEnv = new HashMap<>();
        baseEnv.put("HOST", "127.0.0.1");
        baseEnv.put("REDIS_HOST", "127.0.0.1");
        baseEnv.put("REDIS_PORT", Integer.toString(redisPort));
        baseEnv.put("GATEWAY__AGENT_URL", "http://127.0.0.1:" + agentPort + "/v1/chat/completions");
        baseEnv.put("GATEWAY__INSTANCE_TTL", "3");
        baseEnv.put("GATEWAY__RESUME_GRACE", "10");
        baseEnv.put("GATEWAY__WS_MAX_FRAMES_PER_SECOND", "1000");
        ports[0] = Bench.freePort();
        ports[1] = Bench.freePort();
        try {
            // both instances start in parallel: start-up is most of a smoke run's fixed cost
            Thread other = new Thread(() -> {
                try {
                    instances[1] = startInstance(1, "start");
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            other.start();
            instances[0] = startInstance(0, "start");
            other.join(70_000);
            if (instances[1] == null) {
                throw new IllegalStateException("instance 1 did not start; see " + logs);
            }
            event("both instances ready (Redis on " + redisPort + ", agent on " + agentPort + ")");
            String[] startFigures = {measure(instances[0]), measure(instances[1])};
            Thread sampler = new Thread(this::sampleUntilLoadEnds, "soak-sampler");
            sampler.setDaemon(true);

            loadEnd = System.nanoTime() + TimeUnit.SECONDS.toNanos(loadSeconds);
            long loadStart = System.nanoTime();
            List<Thread> clients = new ArrayList<>();
            for (int k = 0; k < sessions; k++) {
                int session = k;
                Thread t = new Thread(null, () -> runSession(session), "soak-s" + k, 256 * 1024);
                t.setDaemon(true);
                clients.add(t);
                t.start();
            }
            sampler.start();
            runFaults(redis, redisPort);
            long joinUntil = loadEnd + TimeUnit.SECONDS.toNanos(deadlineSeconds + 5);
            for (Thread t : clients) {
                t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(joinUntil - System.nanoTime())));
            }
            long stuck = clients.stream().filter(Thread::isAlive).count();
            if (stuck > 0) {
                problems.add(stuck + " client threads still running at the end (counted as hung)");
                outcomes.get(Outcome.HUNG).addAndGet((int) stuck);
            }
            double loadSecs = (System.nanoTime() - loadStart) / 1e9;
            event(String.format(Locale.ROOT, "load over after %.1f s, %d tokens", loadSecs, tokens.get()));
            settleDescriptors(); // the instances close the clients' sockets before descriptors are counted
            sampler.join(60_000);
            String[] endFigures = {measure(instances[0]), measure(instances[1])};
            figures[0] = startFigures;
            figures[1] = endFigures;
        } finally {
            for (Target t : instances) {
                if (t != null) {
                    t.close();
                }
            }
            redis[0].stop();
            vertx.close();
        }
        return badCount() > 0 || !growing().isEmpty();
    }

    private int badCount() {
        int bad = resumeViolations.get();
        for (Outcome o : List.of(Outcome.HUNG, Outcome.DUPLICATED, Outcome.REORDERED, Outcome.MISROUTED,
                Outcome.GAPPED, Outcome.WRONG)) {
            bad += outcomes.get(o).get();
        }
        return bad;
    }

    private static RedisServer redis(int port) throws IOException {
        return RedisServer.newRedisServer().bind("127.0.0.1").port(port)
                .setting("save \"\"").setting("appendonly no").build();
    }

    private Target startInstance(int i, String why) throws Exception {
        Map<String, String> env = new HashMap<>(baseEnv);
        env.put("PORT", Integer.toString(ports[i]));
        env.put("GATEWAY__INSTANCE_ID", "soak-" + i);
        return Target.start("gateway-" + i, java, List.of("-Xmx" + gatewayHeap, "-jar", gatewayJar.toString()),
                env, ports[i], logs.resolve("gateway-" + i + "-" + why + ".log"));
    }

    /** The fault schedule; returns when the load time is over. */
    private void runFaults(RedisServer[] redis, int redisPort) throws Exception {
        List<long[]> plan = new ArrayList<>(); // {second, kind}: 0 disconnect wave, 1 Redis restart, 2 kill
        if (smoke) {
            plan.add(new long[] {7, 0});
            plan.add(new long[] {13, 1});
            plan.add(new long[] {19, 2});
        } else {
            for (int s = 20; s < loadSeconds - 15; s += 45) {
                plan.add(new long[] {s, 0});
            }
            plan.add(new long[] {loadSeconds / 3, 1});
            plan.add(new long[] {2L * loadSeconds / 3, 2});
            plan.sort((a, b) -> Long.compare(a[0], b[0]));
        }
        long start = loadEnd - TimeUnit.SECONDS.toNanos(loadSeconds);
        for (long[] step : plan) {
            long at = start + TimeUnit.SECONDS.toNanos(step[0]);
            while (System.nanoTime() < at) {
                Thread.sleep(50);
            }
            switch ((int) step[1]) {
                case 0 -> {
                    waveGeneration.incrementAndGet();
                    event("disconnect wave: every session drops its socket mid-answer and resumes on the other instance");
                }
                case 1 -> {
                    event("Redis stopped");
                    redis[0].stop();
                    Thread.sleep(1000);
                    redis[0] = redis(redisPort);
                    redis[0].start();
                    event("Redis started again (same port, empty: no persistence)");
                }
                default -> {
                    event("instance 1 killed (destroyForcibly)");
                    killedAt = (System.nanoTime() - t0) / 1e9;
                    instances[1].process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                    instances[1] = startInstance(1, "restart");
                    event(String.format(Locale.ROOT, "instance 1 restarted on the same port (%.1f s to ready)",
                            instances[1].startupSeconds));
                }
            }
        }
        while (System.nanoTime() < loadEnd) {
            Thread.sleep(50);
        }
    }

    private void event(String what) {
        String line = String.format(Locale.ROOT, "%6.1f s  %s", (System.nanoTime() - t0) / 1e9, what);
        events.add(line);
        System.out.println(line);
    }

    /** Samples both instances every {@link #sampleEvery} seconds while the load runs. */
    private void sampleUntilLoadEnds() {
        long next = System.nanoTime();
        while (System.nanoTime() < loadEnd) {
            for (int i = 0; i < 2; i++) {
                Target t = instances[i];
                if (t == null || !t.process.isAlive()) {
                    continue; // killed and not yet back
                }
                long heap = t.heapAfterGcKib();
                long fds = fds(t);
                if (heap >= 0 && fds >= 0 && t.process.isAlive()) {
                    samples.add(new Sample((System.nanoTime() - t0) / 1e9, i, t.pid(), heap, t.rssKib(), t.threads(),
                            fds));
                }
            }
            next += TimeUnit.SECONDS.toNanos(sampleEvery);
            long wait = TimeUnit.NANOSECONDS.toMillis(Math.min(next, loadEnd) - System.nanoTime());
            if (wait > 0) {
                try {
                    Thread.sleep(wait);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    /**
     * The samples of each process in its steady phases: from a warm-up (a third of the load time, at most 4 minutes:
     * sessions fill their kept frames, pools grow to their bounds) after it started, or after the kill, to the kill or
     * the end. The kill starts a phase of its own because it changes what each instance holds (the survivor takes the
     * dead one's sessions over, then gives half back): a step there is reported apart from a trend within a phase.
     * Grouped by process, so the restarted instance is judged on its own samples.
     */
    private Map<String, List<Sample>> steadySamples() {
        Map<String, List<Sample>> byProcess = new java.util.LinkedHashMap<>();
        synchronized (samples) {
            for (Sample s : samples) {
                String key = "instance " + s.instance() + " (pid " + s.pid() + ")";
                byProcess.computeIfAbsent(key, k -> new ArrayList<>()).add(s);
            }
        }
        double warmUp = Math.min(loadSeconds / 3.0, 240);
        Map<String, List<Sample>> steady = new java.util.LinkedHashMap<>();
        byProcess.forEach((key, list) -> {
            double start = list.get(0).second();
            double kill = killedAt;
            if (kill > start && kill < list.get(list.size() - 1).second()) {
                phase(steady, key + " before the kill", list, start + warmUp, kill);
                phase(steady, key + " after the kill", list, kill + warmUp, Double.MAX_VALUE);
            } else {
                phase(steady, key, list, start + warmUp, Double.MAX_VALUE);
            }
        });
        return steady;
    }

    private static void phase(Map<String, List<Sample>> steady, String name, List<Sample> list, double from,
            double to) {
        List<Sample> in = list.stream().filter(s -> s.second() >= from && s.second() < to).toList();
        if (in.size() >= 4) {
            steady.put(name, in);
        }
    }

    /**
     * What grew in a steady phase, by a least-squares line through its samples: heap after GC more than 20 %, threads
     * more than 10 % plus 5, or descriptors more than 20 % plus 5 (most are client sockets, which move between the
     * instances with every disconnect wave), from the line's start to its end. Empty when flat (or when the run
     * is too short to say, as a smoke run is).
     */
    private List<String> growing() {
        List<String> found = new ArrayList<>();
        steadySamples().forEach((process, list) -> {
            check(found, process, "heap after GC (KiB)", list, Sample::heapKib, 0.20, 0);
            check(found, process, "threads", list, s -> s.threads(), 0.10, 5);
            check(found, process, "open descriptors", list, Sample::fds, 0.20, 5);
        });
        return found;
    }

    private static void check(List<String> found, String process, String what, List<Sample> list,
            java.util.function.ToLongFunction<Sample> value, double relative, long absolute) {
        int n = list.size();
        double mx = 0;
        double my = 0;
        for (Sample s : list) {
            mx += s.second();
            my += value.applyAsLong(s);
        }
        mx /= n;
        my /= n;
        double sxy = 0;
        double sxx = 0;
        for (Sample s : list) {
            sxy += (s.second() - mx) * (value.applyAsLong(s) - my);
            sxx += (s.second() - mx) * (s.second() - mx);
        }
        double slope = sxx == 0 ? 0 : sxy / sxx;
        double start = my + slope * (list.get(0).second() - mx);
        double growth = slope * (list.get(n - 1).second() - list.get(0).second());
        if (growth > relative * Math.max(start, 1) + absolute) {
            found.add(String.format(Locale.ROOT, "%s: %s grew from %.0f to %.0f over %.0f s of steady load",
                    process, what, start, start + growth, list.get(n - 1).second() - list.get(0).second()));
        }
    }

    /**
     * Waits, up to 15 s, until each instance's open descriptors are back near what it started with (the sockets the
     * clients closed at the end take a moment to close here too), so the count at the end shows what stayed open.
     */
    private void settleDescriptors() throws InterruptedException {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (System.nanoTime() < until) {
            boolean settled = true;
            for (Target t : instances) {
                settled &= t == null || !t.process.isAlive() || fds(t) <= 64;
            }
            if (settled) {
                return;
            }
            Thread.sleep(250);
        }
    }

    private static long fds(Target t) {
        try (var s = Files.list(Path.of("/proc/" + t.pid() + "/fd"))) {
            return s.count();
        } catch (Exception e) {
            return -1;
        }
    }

    private static String measure(Target t) {
        long fds = fds(t);
        long heap = t.heapAfterGcKib();
        return String.format(Locale.ROOT, "pid %d: heap after GC %s, RSS %s, %d threads, %d open descriptors",
                t.pid(), heap < 0 ? "n/a" : (heap / 1024) + " MiB", (t.rssKib() / 1024) + " MiB", t.threads(), fds);
    }

    // --- the agent ----------------------------------------------------------------------------------

    /**
     * Deterministic agent: the answer to "q-&lt;session&gt;-&lt;n&gt;" is TOKENS tokens "&lt;session&gt;.&lt;n&gt;.&lt;i&gt; ",
     * one every TOKEN_GAP_MS; "fail-..." gets HTTP 500, "drop-..." a few tokens and then a closed connection.
     */
    private static int startAgent(Vertx vertx) throws Exception {
        return vertx.createHttpServer(new HttpServerOptions().setAcceptBacklog(4096).setTcpNoDelay(true))
                .requestHandler(req -> req.body().onSuccess(buf -> {
                    JsonArray messages = buf.toJsonObject().getJsonArray("messages");
                    String[] ask = messages.getJsonObject(messages.size() - 1).getString("content").split("-");
                    if (ask[0].equals("fail")) {
                        req.response().setStatusCode(500).end("{\"error\":\"soak: fail on purpose\"}");
                        return;
                    }
                    HttpServerResponse r = req.response().setChunked(true)
                            .putHeader("Content-Type", "text/event-stream");
                    int limit = ask[0].equals("drop") ? DROP_AFTER : TOKENS;
                    int[] sent = {0};
                    vertx.setPeriodic(TOKEN_GAP_MS, id -> {
                        if (r.closed()) {
                            vertx.cancelTimer(id);
                            return;
                        }
                        if (sent[0] == limit) {
                            vertx.cancelTimer(id);
                            if (limit == TOKENS) {
                                r.end("data: [DONE]\n\n");
                            } else {
                                req.connection().close();
                            }
                            return;
                        }
                        r.write("data: {\"choices\":[{\"delta\":{\"content\":\"" + ask[1] + "." + ask[2] + "."
                                + sent[0]++ + " \"}}]}\n\n");
                    });
                }))
                .listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS)
                .actualPort();
    }

    static String expected(String session, int n) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < TOKENS; i++) {
            sb.append(session).append('.').append(n).append('.').append(i).append(' ');
        }
        return sb.toString();
    }

    // --- the clients --------------------------------------------------------------------------------

    private record Closed(int code, String reason) {
    }

    /** One WebSocket; frames are taken one at a time (request(1) after each), so a slow reader is really slow. */
    private static final class Conn implements WebSocket.Listener {
        final int instance;
        final LinkedBlockingQueue<Object> queue = new LinkedBlockingQueue<>();
        private final StringBuilder part = new StringBuilder();
        volatile WebSocket ws;

        Conn(int instance) {
            this.instance = instance;
        }

        @Override
        public void onOpen(WebSocket webSocket) {
            webSocket.request(1);
        }

        @Override
        public CompletionStage<?> onPong(WebSocket webSocket, ByteBuffer message) {
            lastHeard = System.nanoTime();
            pinging = false;
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            part.append(data);
            if (last) {
                queue.add(part.toString());
                part.setLength(0);
            } else {
                webSocket.request(1);
            }
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            queue.add(new Closed(statusCode, reason));
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            queue.add(new Closed(-1, String.valueOf(error)));
        }

        void abort() {
            if (ws != null) {
                ws.abort();
            }
        }

        /** When the client last got anything on this socket, and whether a ping is out. */
        volatile long lastHeard = System.nanoTime();
        volatile boolean pinging;
    }

    private static final class Session {
        final String id;
        final Random random;
        final boolean slow;
        Conn conn;
        long lastSeq = -1;
        int waveSeen;
        /** How the previous answer ended, to tell which refusals follow which ends. */
        String previous = "-";
        /** The current answer's frames and reconnections, told with a bad answer; null between answers. */
        StringBuilder trace;

        Session(int k) {
            this.id = "s" + k;
            this.random = new Random(7919L * k + 1);
            this.slow = k % 10 == 9;
        }
    }

    private static final class Hung extends Exception {
        Hung(String why) {
            super(why, null, false, false);
        }
    }

    private void runSession(int k) {
        Session s = new Session(k);
        // a thousand clients opening at once time out against instances that have just started: like a real
        // client, keep trying (either instance) until the deadline, and only then count the session as hung
        long began = System.nanoTime();
        long openBy = began + TimeUnit.SECONDS.toNanos(deadlineSeconds);
        int instance = k % 2;
        while (s.conn == null) {
            try {
                s.conn = open(instance, s.id, openBy);
            } catch (Exception e) {
                if (System.nanoTime() > openBy) {
                    problem(Outcome.HUNG, s.id + ": could not open its first socket: " + e);
                    outcomes.get(Outcome.HUNG).incrementAndGet();
                    return;
                }
                firstOpenRetries.incrementAndGet();
                instance = 1 - instance;
                try {
                    Thread.sleep(200 + s.random.nextInt(300));
                } catch (InterruptedException ie) {
                    return;
                }
            }
        }
        firstOpenMillis.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - began));
        for (int n = 1; System.nanoTime() < loadEnd; n++) {
            double r = s.random.nextDouble();
            String kind = r < 0.04 ? "fail" : r < 0.08 ? "drop" : "q";
            Outcome o;
            String detail;
            try {
                String[] d = new String[1];
                o = ask(s, n, kind, d);
                detail = d[0];
            } catch (Hung h) {
                o = Outcome.HUNG;
                detail = h.getMessage();
            } catch (InterruptedException e) {
                return;
            }
            outcomes.get(o).incrementAndGet();
            s.previous = o.name().toLowerCase(Locale.ROOT);
            if (o.compareTo(Outcome.ERRORED) >= 0) {
                problem(o, String.format(Locale.ROOT, "%6.1f s  %s turn %d (%s): %s: %s",
                        (System.nanoTime() - t0) / 1e9, s.id, n, kind, o, detail));
            }
            if (o == Outcome.HUNG) {
                // start afresh: the session may still think an answer streams
                s.conn.abort();
                try {
                    s.conn = reopen(s, 1 - s.conn.instance, System.nanoTime() + TimeUnit.SECONDS.toNanos(10));
                } catch (Exception e) {
                    return;
                }
            }
        }
        s.conn.ws.sendClose(WebSocket.NORMAL_CLOSURE, "done");
    }

    /** One question and its whole answer, across as many sockets as it takes. */
    private Outcome ask(Session s, int n, String kind, String[] detail) throws Hung, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(deadlineSeconds);
        String question = kind + "-" + s.id + "-" + n;
        int gen = waveGeneration.get();
        int dropAfter = -1;
        if (gen > s.waveSeen || s.random.nextDouble() < randomDisconnect) {
            s.waveSeen = gen;
            dropAfter = 2 + s.random.nextInt(kind.equals("q") ? TOKENS - 4 : DROP_AFTER - 3);
        }
        boolean[] seen = new boolean[TOKENS];
        int maxIndex = -1;
        int count = 0;
        boolean dup = false;
        boolean reorder = false;
        boolean misroute = false;
        boolean seqGap = false;
        boolean started = false;
        StringBuilder joined = new StringBuilder();
        // what came, frame by frame, with its seq and the socket (instance) it came on: told with a bad answer
        StringBuilder trace = new StringBuilder();
        s.trace = trace;
        long resendAt = Long.MAX_VALUE;

        if (s.conn.queue.peek() instanceof Closed) {
            s.conn = reopen(s, 1 - s.conn.instance, deadline);
        }
        send(s, question, deadline);
        while (true) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new Hung("no final within " + deadlineSeconds + " s; " + count + " tokens, last seq "
                        + s.lastSeq + ", on instance " + s.conn.instance + "; frames and reconnections: " + trace);
            }
            Object m = s.conn.queue.poll(Math.min(left, TimeUnit.MILLISECONDS.toNanos(500)), TimeUnit.NANOSECONDS);
            if (m == null) {
                checkAlive(s.conn);
                if (!started && System.nanoTime() > resendAt) {
                    // the question may have died with a killed instance before it was taken
                    resendAt = Long.MAX_VALUE;
                    resent.incrementAndGet();
                    send(s, question, deadline);
                }
                continue;
            }
            s.conn.lastHeard = System.nanoTime();
            if (m instanceof Closed c) {
                closedByServer.incrementAndGet();
                trace.append("[closed ").append(c.code()).append("] ");
                s.conn = reopen(s, 1 - s.conn.instance, deadline);
                if (!started && c.code() != 4000) {
                    // the question may have died with a killed instance (1006) before it was taken, or come on a
                    // socket refused for now (1013), whose frames the gateway refuses. Not after 4000: the socket
                    // was taken over after it had read the question, which goes on where the session went; sending
                    // it again would ask it twice
                    resendAt = System.nanoTime() + TimeUnit.SECONDS.toNanos(6);
                }
                continue;
            }
            if (s.slow) {
                Thread.sleep(50);
            }
            s.conn.ws.request(1);
            JsonObject f = new JsonObject((String) m);
            String type = f.getString("type");
            if (type == null) {
                refused.incrementAndGet();
                errorTexts.computeIfAbsent("refused frame (the previous answer ended " + s.previous + "): "
                                + f.getString("error", "?").replaceAll("[0-9]+", "#"),
                        x -> new AtomicInteger()).incrementAndGet();
                if (!started) {
                    // "one answer at a time": the previous one may still be finishing somewhere; ask again
                    Thread.sleep(300);
                    send(s, question, deadline);
                }
                continue;
            }
            if (type.equals("resumed")) {
                resumeViolations.incrementAndGet();
                problems.add(s.id + ": a resumed frame in the middle of a socket: " + m);
                continue;
            }
            Long seq = f.getLong("seq");
            if (seq == null) {
                continue;
            }
            if (seq <= s.lastSeq) {
                // a client that follows the protocol drops a seq it already has; say what was dropped
                dup = true;
                problem("seq again", String.format(Locale.ROOT, "%6.1f s  %s turn %d: seq %d again (last seq %d), "
                        + "frame ignored: %s", (System.nanoTime() - t0) / 1e9, s.id, n, seq, s.lastSeq, m));
                continue;
            }
            String token = type.equals("assistant_message") ? f.getString("token", "") : "";
            // tokens that waited for a slow socket arrive merged into one frame under the highest seq they cover:
            // each of the agent's tokens had its own seq, so a frame of k tokens moves seq on by k
            String[] pieces = token.isEmpty() ? new String[0] : token.trim().split(" ");
            if (seq != s.lastSeq + Math.max(1, pieces.length)) {
                seqGap = true;
            }
            s.lastSeq = seq;
            started = true;
            if (type.equals("assistant_message")) {
                for (String piece : pieces) {
                    String[] p = piece.split("\\.");
                    if (p.length != 3 || !p[0].equals(s.id)) {
                        misroute = true;
                    } else if (Integer.parseInt(p[1]) != n) {
                        if (Integer.parseInt(p[1]) < n) {
                            dup = true;
                        } else {
                            misroute = true;
                        }
                    } else {
                        int i = Integer.parseInt(p[2]);
                        if (seen[i]) {
                            dup = true;
                        } else if (i < maxIndex) {
                            reorder = true;
                        }
                        seen[i] = true;
                        maxIndex = Math.max(maxIndex, i);
                    }
                    count++;
                    tokens.incrementAndGet();
                }
                if (pieces.length > 1) {
                    mergedFrames.incrementAndGet();
                }
                joined.append(token);
                if (trace.length() < 4000) {
                    trace.append(seq).append('@').append(s.conn.instance).append('=')
                            .append(pieces.length == 0 ? "" : pieces[0].substring(pieces[0].lastIndexOf('.') + 1))
                            .append(' ');
                }
                if (f.getBoolean("is_final", false)) {
                    Outcome o = judge(kind, true, null, joined.toString(), expected(s.id, n), dup, reorder, misroute,
                            seqGap, detail);
                    if (o != Outcome.OK && o != Outcome.EXPECTED_ERROR) {
                        detail[0] += "; frames (seq@instance=token): " + trace;
                    }
                    return o;
                }
                if (dropAfter > 0 && count >= dropAfter) {
                    dropAfter = -1;
                    s.conn.abort();
                    trace.append("[dropped] ");
                    s.conn = reopen(s, 1 - s.conn.instance, deadline);
                }
            } else if (type.equals("error")) {
                String error = f.getString("error", "");
                errorTexts.computeIfAbsent(kind + ": " + error.replaceAll("[0-9]+", "#").replaceAll("s\\d+", "s#"),
                        x -> new AtomicInteger()).incrementAndGet();
                return judge(kind, false, error, joined.toString(), expected(s.id, n), dup, reorder, misroute,
                        seqGap, detail);
            }
        }
    }

    private static Outcome judge(String kind, boolean answered, String error, String joined, String expected,
                                 boolean dup, boolean reorder, boolean misroute, boolean seqGap, String[] detail) {
        detail[0] = answered ? "answer \"" + abbreviate(joined) + "\"" : "error \"" + error + "\" after \""
                + abbreviate(joined) + "\"";
        if (misroute) {
            return Outcome.MISROUTED;
        }
        if (dup) {
            return Outcome.DUPLICATED;
        }
        if (reorder) {
            return Outcome.REORDERED;
        }
        if (kind.equals("q")) {
            if (answered) {
                if (joined.equals(expected) && !seqGap) {
                    return Outcome.OK;
                }
                return expected.startsWith(joined) || seqGap ? Outcome.GAPPED : Outcome.WRONG;
            }
            if (!expected.startsWith(joined)) {
                return Outcome.GAPPED;
            }
            return error.toLowerCase(Locale.ROOT).contains("interrupted") ? Outcome.INTERRUPTED : Outcome.ERRORED;
        }
        // a fault question must end with an error final
        return answered ? Outcome.WRONG : Outcome.EXPECTED_ERROR;
    }

    private static String abbreviate(String s) {
        return s.length() <= 60 ? s : s.substring(0, 28) + "…" + s.substring(s.length() - 28);
    }

    private void send(Session s, String question, long deadline) throws Hung, InterruptedException {
        String frame = new JsonObject().put("type", "user_message").put("content", question).encode();
        while (true) {
            try {
                s.conn.ws.sendText(frame, true).get(5, TimeUnit.SECONDS);
                return;
            } catch (InterruptedException e) {
                throw e;
            } catch (Exception e) {
                s.conn.abort();
                s.conn = reopen(s, 1 - s.conn.instance, deadline);
            }
        }
    }

    private static void note(Session s, String text) {
        if (s.trace != null && s.trace.length() < 4000) {
            s.trace.append(text);
        }
    }

    /**
     * A socket silent for 5 s is pinged, as a client with a keep-alive would. When the instance behind it was killed,
     * the JDK's client did not always report the reset (slow readers whose unread frames the reset discarded): a
     * failed ping, or no pong within 5 s, closes the socket as the peer's death would have.
     */
    private static void checkAlive(Conn c) {
        long now = System.nanoTime();
        if (now - c.lastHeard < TimeUnit.SECONDS.toNanos(5) || c.ws == null) {
            return;
        }
        if (c.pinging) {
            if (now - c.lastHeard > TimeUnit.SECONDS.toNanos(10)) {
                c.queue.add(new Closed(-1, "no pong within 5 s"));
                c.lastHeard = now;
                c.pinging = false;
                c.ws.abort();
            }
            return;
        }
        c.pinging = true;
        c.ws.sendPing(ByteBuffer.allocate(0)).whenComplete((w, e) -> {
            if (e != null) {
                c.queue.add(new Closed(-1, "ping failed: " + e));
                c.ws.abort();
            }
        });
    }

    /** A resume with last_seq, on the preferred instance first, then on either, until the deadline. */
    private Conn reopen(Session s, int prefer, long deadline) throws Hung, InterruptedException {
        int instance = prefer;
        String lastError = "";
        while (System.nanoTime() < deadline) {
            Conn c;
            note(s, String.format(Locale.ROOT, "{%.1fs reopen on %d: ", (System.nanoTime() - t0) / 1e9, instance));
            try {
                c = open(instance, s.id + "?last_seq=" + s.lastSeq, deadline);
            } catch (Exception e) {
                note(s, e.getClass().getSimpleName() + "} ");
                lastError = String.valueOf(e);
                instance = 1 - instance;
                Thread.sleep(200);
                continue;
            }
            Object first = c.queue.poll(5, TimeUnit.SECONDS);
            note(s, (first instanceof Closed closed ? "closed " + closed.code() : first == null ? "no frame in 5 s"
                    : "resumed") + "} ");
            if (first instanceof String text) {
                c.ws.request(1);
                JsonObject f = new JsonObject(text);
                resumes.incrementAndGet();
                if (!"resumed".equals(f.getString("type")) || f.getLong("last_seq", -2L) != s.lastSeq) {
                    resumeViolations.incrementAndGet();
                    problems.add(s.id + ": resume with last_seq=" + s.lastSeq + " began with " + text);
                } else if (!f.getBoolean("recovered", false)) {
                    unrecovered.incrementAndGet();
                    problem("not recovered", String.format(Locale.ROOT, "%6.1f s  %s: resume last_seq=%d on instance %d "
                            + "not recovered: %s", (System.nanoTime() - t0) / 1e9, s.id, s.lastSeq, instance, text));
                }
                return c;
            }
            lastError = "first frame: " + first;
            c.abort();
            Thread.sleep(200);
        }
        throw new Hung("could not resume by the deadline: " + lastError);
    }

    private Conn open(int instance, String pathAndQuery, long deadline) throws Exception {
        Conn c = new Conn(instance);
        URI uri = URI.create("ws://127.0.0.1:" + ports[instance] + "/ws/" + pathAndQuery);
        long wait = Math.max(1, Math.min(HANDSHAKE_TIMEOUT.toMillis(),
                TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
        HttpClient client = http[Math.floorMod(pathAndQuery.split("\\?")[0].hashCode(), http.length)];
        CompletableFuture<WebSocket> opening = client.newWebSocketBuilder().connectTimeout(HANDSHAKE_TIMEOUT)
                .buildAsync(uri, c);
        try {
            c.ws = opening.get(wait, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            // a client that gives up on a handshake does not keep the socket if it opens after all
            opening.thenAccept(WebSocket::abort);
            throw e;
        }
        return c;
    }

    // --- the report -----------------------------------------------------------------------------------

    private String report() {
        StringBuilder sb = new StringBuilder();
        int answers = outcomes.values().stream().mapToInt(AtomicInteger::get).sum();
        sb.append("### Soak: ").append(sessions).append(" sessions × ").append(loadSeconds).append(" s")
                .append(smoke ? " (smoke)" : "").append(", 2 instances, 1 Redis\n\n");
        sb.append("| outcome | answers |\n|---|---:|\n");
        for (Outcome o : Outcome.values()) {
            sb.append("| ").append(o.name().toLowerCase(Locale.ROOT)).append(" | ").append(outcomes.get(o).get())
                    .append(" |\n");
        }
        sb.append("| **all** | ").append(answers).append(" |\n\n");
        sb.append(String.format(Locale.ROOT, "Tokens received: %d (frames that carried several: %d). Resumes: %d (not recovered: %d, protocol "
                        + "violations: %d). Sockets closed by the server: %d. Refused frames: %d. Questions sent "
                        + "again after a resume: %d.%n%n", tokens.get(), mergedFrames.get(), resumes.get(), unrecovered.get(),
                resumeViolations.get(), closedByServer.get(), refused.get(), resent.get()));
        if (!errorTexts.isEmpty()) {
            sb.append("Error finals (kind of question: error):\n\n");
            errorTexts.entrySet().stream().sorted(Map.Entry.comparingByKey())
                    .forEach(e -> sb.append("- ").append(e.getValue().get()).append(" × ").append(e.getKey())
                            .append('\n'));
            sb.append('\n');
        }
        if (figures[0] != null) {
            sb.append("Instances (start → end; instance 1 at the end is the restarted process):\n\n");
            for (int i = 0; i < 2; i++) {
                sb.append("- instance ").append(i).append(": start ").append(figures[0][i]).append("; end ")
                        .append(figures[1][i]).append('\n');
            }
            sb.append('\n');
        }
        synchronized (samples) {
            if (!samples.isEmpty()) {
                sb.append("Samples every ").append(sampleEvery).append(" s (heap after a forced full GC; gateways run with -Xmx")
                        .append(gatewayHeap).append("):\n\n| s | instance | pid | heap MiB | RSS MiB | threads | descriptors |\n")
                        .append("|---:|---:|---:|---:|---:|---:|---:|\n");
                for (Sample s : samples) {
                    sb.append(String.format(Locale.ROOT, "| %.0f | %d | %d | %.1f | %d | %d | %d |%n", s.second(),
                            s.instance(), s.pid(), s.heapKib() / 1024.0, s.rssKib() / 1024, s.threads(), s.fds()));
                }
                sb.append('\n');
            }
        }
        Map<String, List<Sample>> steady = steadySamples();
        List<String> grew = growing();
        if (!steady.isEmpty()) {
            sb.append("Steady phases (each process after a warm-up of a third of the load time, at most 4 min, from its "
                    + "start and from the kill): ");
            steady.forEach((process, list) -> sb.append(String.format(Locale.ROOT,
                    "%s, %d samples: heap %.0f–%.0f MiB, threads %d–%d, descriptors %d–%d; ", process, list.size(),
                    list.stream().mapToLong(Sample::heapKib).min().orElse(0) / 1024.0,
                    list.stream().mapToLong(Sample::heapKib).max().orElse(0) / 1024.0,
                    list.stream().mapToInt(Sample::threads).min().orElse(0),
                    list.stream().mapToInt(Sample::threads).max().orElse(0),
                    list.stream().mapToLong(Sample::fds).min().orElse(0),
                    list.stream().mapToLong(Sample::fds).max().orElse(0))));
            sb.append(grew.isEmpty() ? "**flat** (no trend over 20 % in heap, 10 % + 5 in threads, 20 % + 5 in descriptors).\n\n"
                    : "**growing**:\n\n" + String.join("\n", grew.stream().map(g -> "- " + g).toList()) + "\n\n");
        } else {
            sb.append("Steady state: too few samples to judge flatness (a run of a few minutes or less).\n\n");
        }
        synchronized (firstOpenMillis) {
            List<Long> sorted = new ArrayList<>(firstOpenMillis);
            Collections.sort(sorted);
            if (!sorted.isEmpty()) {
                sb.append(String.format(Locale.ROOT, "First socket of each session (%d opened), from the client's start, "
                                + "retries included: median %d ms, p90 %d ms, p99 %d ms, max %d ms.%n%n", sorted.size(),
                        sorted.get(sorted.size() / 2), sorted.get(sorted.size() * 9 / 10),
                        sorted.get(sorted.size() * 99 / 100), sorted.get(sorted.size() - 1)));
            }
        }
        sb.append("Timeline:\n\n```\n");
        synchronized (events) {
            events.forEach(e -> sb.append(e).append('\n'));
        }
        sb.append("```\n\n");
        if (!problems.isEmpty()) {
            sb.append("Problems (at most 40 of each kind; all noted: ").append(problemsByKind)
                    .append(", first sockets opened again after a time-out: ").append(firstOpenRetries.get())
                    .append("):\n\n```\n");
            synchronized (problems) {
                problems.forEach(p -> sb.append(p).append('\n'));
            }
            sb.append("```\n\n");
        }
        sb.append(badCount() == 0 ? "**Result: nothing lost, duplicated, reordered, misrouted or hung.**\n"
                : "**Result: FAILED: " + badCount() + " bad answers or resume violations (see above).**\n");
        if (!grew.isEmpty()) {
            sb.append("**Result: FAILED: heap, threads or descriptors grew in the steady state (see above).**\n");
        }
        return sb.toString();
    }
}
