package io.agentgateway.bench;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import io.agentgateway.bench.Paired.Figures;
import io.agentgateway.bench.Paired.Side;

/**
 * Runs the benchmark scenarios, each as interleaved pairs of runs (gateway, baseline, gateway, baseline, ...) on the
 * same stand-in agent and the same load, and prints (and writes) a table per scenario: the median figures of each
 * side and the median gateway/baseline ratio of the pairs with its min–max. Every process binds loopback only; every
 * load is bounded in count and time. Exit code 1 when a scenario broke (a run failed, tokens were lost or wrong).
 *
 * <pre>
 * java -jar bench/target/agent-gateway-bench.jar [--java PATH] [--pairs N] [--only a,b,...] [--smoke] [--out FILE]
 *     [--warmups N]
 * </pre>
 */
public final class Bench {

    /** Every scenario, in the order they run. */
    static final List<String> SCENARIOS =
            List.of("startup", "throughput", "latency", "scale", "idle", "slow", "judgement", "redis", "answers");

    private static final String GATEWAY = "gateway";
    private static final String BASELINE = "baseline (raw Vert.x)";
    private static final String RAW_REDIS = "raw Redis (LPUSH, SUBSCRIBE)";
    private static final String JUDGEMENT_RELAY = "Vert.x relay (WebSocket, LPUSH, SUBSCRIBE)";

    private final String java;
    private final boolean smoke;
    private final int pairs;
    private final Set<String> only;
    /**
     * rounds of the latency scenario's load before the measured one: three by default (one in a smoke run), by which
     * the gateway's JIT has compiled its token path; the round after the first warm-up is reported too
     */
    private final int warmups;
    /** JVM options of every process under test: a smoke run starts them with C1 only, for a quicker start. */
    private final List<String> jvmOptions;
    private final Path gatewayJar = Path.of("target/agent-gateway.jar");
    private final Path benchJar;
    private final Path logs = Path.of("bench/target/logs");
    private final List<String> sections = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();
    private final Map<String, Long> seconds = new LinkedHashMap<>();
    private boolean failed;
    private int agentPort;

    private Bench(String java, boolean smoke, int pairs, Set<String> only, int warmups) throws Exception {
        this.java = java;
        this.warmups = warmups;
        this.smoke = smoke;
        this.pairs = pairs;
        this.only = only;
        this.jvmOptions = smoke ? List.of("-XX:TieredStopAtLevel=1") : List.of();
        this.benchJar = Path.of(Bench.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    }

    public static void main(String[] args) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        boolean smoke = false;
        Integer pairs = null;
        Integer warmups = null;
        Path out = null;
        Set<String> only = new LinkedHashSet<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--java" -> java = args[++i];
                case "--smoke" -> smoke = true;
                case "--pairs" -> pairs = Integer.parseInt(args[++i]);
                case "--warmups" -> warmups = Integer.parseInt(args[++i]);
                case "--out" -> out = Path.of(args[++i]);
                case "--only" -> {
                    for (String s : args[++i].split(",")) {
                        if (!SCENARIOS.contains(s)) {
                            throw new IllegalArgumentException("unknown scenario " + s + "; one of " + SCENARIOS);
                        }
                        only.add(s);
                    }
                }
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        if (pairs != null && pairs < 1) {
            throw new IllegalArgumentException("--pairs must be at least 1");
        }
        if (warmups != null && warmups < 1) {
            throw new IllegalArgumentException("--warmups must be at least 1");
        }
        // a smoke run checks that every scenario works, not how fast: one pair unless asked
        Bench bench = new Bench(java, smoke, pairs != null ? pairs : smoke ? 1 : 3, only,
                warmups != null ? warmups : smoke ? 1 : 3);
        String report = bench.run();
        System.out.println(report);
        if (out != null) {
            Files.createDirectories(out.toAbsolutePath().getParent());
            Files.writeString(out, report);
        }
        System.exit(bench.failed ? 1 : 0);
    }

    private String run() throws Exception {
        if (!Files.isRegularFile(gatewayJar)) {
            throw new IllegalStateException("build the gateway first (mvn -q package -DskipTests): no " + gatewayJar);
        }
        Files.createDirectories(logs);
        agentPort = freePort();
        Process agent = new ProcessBuilder(java, "-cp", benchJar.toString(), StandInAgent.class.getName(),
                Integer.toString(agentPort)).redirectErrorStream(true).redirectOutput(logs.resolve("agent.log").toFile())
                .start();
        try {
            awaitListening(agentPort, agent);
            scenario("startup", this::startup);
            scenario("throughput", () -> throughput(smoke ? 5 : 100, smoke ? 50 : 2000));
            scenario("latency", () -> {
                latency(smoke ? 10 : 200, smoke ? 10 : 60, 20);
                if (!smoke) {
                    latency(1000, 60, 20);
                }
            });
            scenario("scale", () -> scale(smoke ? 20 : 8000, smoke ? 2 : 20, smoke ? 4 : 2));
            scenario("idle", () -> idle(smoke ? 20 : 10_000));
            scenario("slow", () -> slowReaders(smoke ? 5 : 100, smoke ? 2 : 15));
            scenario("judgement", () -> judgement(smoke ? 4 : 64, smoke ? 50 : 2000, smoke ? 200 : 20_000));
            scenario("redis", () -> redisMode(smoke ? 5 : 100, smoke ? 50 : 2000, smoke ? 10 : 200, smoke ? 10 : 60));
            scenario("answers", () -> answers(smoke ? 10 : 1000, smoke ? 2 : 40));
        } finally {
            agent.destroyForcibly();
            agent.waitFor(10, TimeUnit.SECONDS);
        }
        return report();
    }

    @FunctionalInterface
    private interface Body {
        void run() throws Exception;
    }

    /** Runs one scenario if wanted; a scenario that throws is reported as broken and the next one runs. */
    private void scenario(String name, Body body) {
        if (!only.isEmpty() && !only.contains(name)) {
            return;
        }
        System.out.println("== " + name);
        long t0 = System.nanoTime();
        try {
            body.run();
        } catch (Exception e) {
            e.printStackTrace(System.out);
            check(false, name + ": " + e);
        }
        seconds.put(name, TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0));
    }

    /** Runs the pairs and adds the scenario's table to the report, also when a run broke part of the way. */
    private void pairs(String scenario, Paired paired, Paired.Run run) throws Exception {
        try {
            paired.run(pairs, run);
        } finally {
            sections.add(paired.markdown(scenario));
        }
    }

    // --- the processes under test ---------------------------------------------------------------

    /** A gateway stopped in order when closed (an AppCDS archive is written then); the runs below kill theirs. */
    private Target gateway(String run, Map<String, String> extraEnv, List<String> extraJvmOptions) throws Exception {
        int port = freePort();
        Map<String, String> env = new HashMap<>();
        env.put("HOST", "127.0.0.1");
        env.put("PORT", Integer.toString(port));
        env.put("GATEWAY__AGENT_URL", "http://127.0.0.1:" + agentPort + "/v1/chat/completions");
        env.put("GATEWAY__AGENT_MAX_STREAMS", "12000");
        env.put("GATEWAY__REQUEST_TIMEOUT", "60");
        env.put("GATEWAY__HISTORY_MAX_MESSAGES", "0");
        env.putAll(extraEnv);
        List<String> args = new ArrayList<>(jvmOptions);
        args.addAll(extraJvmOptions);
        args.addAll(List.of("-jar", gatewayJar.toString()));
        return Target.start("gateway", java, args, env, port, logs.resolve("gateway-" + run + ".log"));
    }

    private Target gateway(String run, Map<String, String> extraEnv) throws Exception {
        return gateway(run, extraEnv, List.of()).killedOnClose();
    }

    private Target baseline(String run) throws Exception {
        int port = freePort();
        List<String> args = new ArrayList<>(jvmOptions);
        args.addAll(List.of("-cp", benchJar.toString(), BaselineRelay.class.getName(), Integer.toString(port),
                "http://127.0.0.1:" + agentPort + "/v1/chat/completions"));
        return Target.start("baseline", java, args, Map.of(), port, logs.resolve("baseline-" + run + ".log"))
                .killedOnClose();
    }

    /** The gateway (side A, with {@code gatewayEnv}) or the baseline relay (side B) for one run. */
    private Target start(Side side, String run, Map<String, String> gatewayEnv) throws Exception {
        return side == Side.A ? gateway(run, gatewayEnv) : baseline(run);
    }

    private static String runName(String scenario, Side side, int pair) {
        return scenario + "-" + (pair + 1) + (side == Side.A ? "a" : "b");
    }

    // --- scenarios ------------------------------------------------------------------------------

    /** Process start to /health 200, and resident memory once idle; with an AppCDS archive too (not in a smoke run). */
    private void startup() throws Exception {
        // making the archive costs a gateway run and an orderly stop: a smoke run leaves it out
        Path archive = smoke ? null : cdsArchive();
        Paired p = new Paired("process start, then idle", GATEWAY, BASELINE)
                .measure("start", "process start → /health 200", "s");
        if (archive != null) {
            p.measure("startCds", "the same, the gateway with an AppCDS archive (-XX:SharedArchiveFile)", "s");
        }
        p.measure("rss", "idle RSS, 2 s after ready", "MiB");
        p.measure("rssLater", "idle RSS, 15 s after ready", "MiB");
        pairs("5 start-up", p, (side, pair) -> {
            Figures f = new Figures();
            double start;
            try (Target t = start(side, runName("startup", side, pair), Map.of())) {
                start = t.startupSeconds;
                Thread.sleep(smoke ? 500 : 2000);
                f.put("start", start).put("rss", t.rssKib() / 1024.0);
                // still idle: by then the gateway has handed the JIT's freed work areas back (config/NativeMemoryTrim)
                Thread.sleep(smoke ? 500 : 13_000);
                f.put("rssLater", t.rssKib() / 1024.0);
            }
            if (archive != null) {
                if (side == Side.A) {
                    try (Target t = gateway(runName("startup-cds", side, pair), Map.of(),
                            List.of("-XX:SharedArchiveFile=" + archive)).killedOnClose()) {
                        f.put("startCds", t.startupSeconds);
                    }
                } else {
                    f.put("startCds", start); // the baseline has no archive: the ratio is to its plain start
                }
            }
            return f;
        });
    }

    /** An AppCDS archive of the classes a gateway start loads, written when that gateway stops. */
    private Path cdsArchive() throws Exception {
        Path archive = logs.resolve("gateway-cds.jsa").toAbsolutePath();
        Files.deleteIfExists(archive);
        try (Target t = gateway("startup-cds-dump", Map.of(), List.of("-XX:ArchiveClassesAtExit=" + archive))) {
            Thread.sleep(1000);
        }
        if (!Files.isRegularFile(archive)) {
            check(false, "start-up: no AppCDS archive was written; see "
                    + logs.resolve("gateway-startup-cds-dump.log"));
            return null;
        }
        return archive;
    }

    private void throughput(int sessions, int tokensEach) throws Exception {
        Paired p = new Paired(sessions + " sessions × " + tokensEach + " tokens, agent flat out", GATEWAY, BASELINE)
                .measure("rate", "tokens delivered", "tokens/s")
                .measure("cpu", "CPU of the process under test", "cores");
        pairs("1 throughput", p, (side, pair) -> {
            String run = runName("throughput", side, pair);
            try (Target t = start(side, run, Map.of())) {
                return flatOut(t, run, sessions, tokensEach);
            }
        });
    }

    /**
     * Answers of one token, every session asking at once, round after round: what beginning and ending an answer
     * costs (the turn's routes, the agent request, the final), the work that crowds the latency scenario's ramp.
     */
    private void answers(int sessions, int rounds) throws Exception {
        Paired p = new Paired(sessions + " sessions × " + rounds + " rounds of one-token answers, asked at once",
                GATEWAY, BASELINE)
                .measure("rate", "answers completed", "answers/s")
                .measure("cpuPer", "CPU per answer", "µs");
        pairs("9 answers", p, (side, pair) -> {
            String run = runName("answers", side, pair);
            try (Target t = start(side, run, Map.of()); LoadClient load = new LoadClient(sessions)) {
                load.open(t.port, sessions, run);
                for (int w = 0; w < (smoke ? 1 : 5); w++) { // the JIT compiles the answer's path
                    if (!streamed(t, run, load, load.stream(1, 0, 0, deadline()))) {
                        return new Figures();
                    }
                }
                double cpu0 = t.cpuSeconds();
                long t0 = System.nanoTime();
                for (int r = 0; r < rounds; r++) {
                    if (!streamed(t, run, load, load.stream(1, 0, 0, deadline()))) {
                        return new Figures();
                    }
                }
                double secs = (System.nanoTime() - t0) / 1e9;
                double answers = (double) sessions * rounds;
                return new Figures().put("rate", answers / secs)
                        .put("cpuPer", (t.cpuSeconds() - cpu0) * 1e6 / answers);
            }
        });
    }

    private void latency(int sessions, int tokensEach, double perSecond) throws Exception {
        Paired p = new Paired(sessions + " sessions × " + fmt(perSecond) + " tokens/s × " + tokensEach + " tokens",
                GATEWAY, BASELINE)
                .delay("p50", "token delay p50")
                .delay("p99", "token delay p99")
                .delay("max", "token delay max");
        if (warmups > 1) {
            p.delay("p99early", "token delay p99, second round (after one warm-up round only)");
        }
        pairs("2 latency", p, (side, pair) -> {
            String run = runName("latency" + sessions, side, pair);
            try (Target t = start(side, run, Map.of())) {
                return paced(t, run, sessions, tokensEach, perSecond);
            }
        });
    }

    /**
     * Every session asks for {@code tokensEach} tokens with the agent flat out, once to warm up (the JIT compiles the
     * hot path) and once measured: tokens delivered a second ({@code rate}) and the target's CPU ({@code cpu}).
     */
    private Figures flatOut(Target t, String run, int sessions, int tokensEach) throws Exception {
        try (LoadClient load = new LoadClient(sessions)) {
            load.open(t.port, sessions, run);
            load.stream(tokensEach / 4, 0, 0, deadline());
            double cpu0 = t.cpuSeconds();
            double secs = load.stream(tokensEach, 0, 0, deadline());
            double cpu = (t.cpuSeconds() - cpu0) / Math.max(secs, 1e-9);
            return streamed(t, run, load, secs)
                    ? new Figures().put("rate", load.tokens.get() / secs).put("cpu", cpu) : new Figures();
        }
    }

    /**
     * Every session asks for {@code tokensEach} tokens at {@code perSecond}, starts spread over a ramp, to warm up
     * ({@code --warmups} times) and once measured: the token delay's {@code p50}, {@code p99} and {@code max} in ms.
     */
    private Figures paced(Target t, String run, int sessions, int tokensEach, double perSecond) throws Exception {
        try (LoadClient load = new LoadClient(sessions)) {
            load.open(t.port, sessions, run);
            long ramp = smoke ? 200 : 1000;
            Figures f = new Figures();
            for (int w = 1; w <= warmups; w++) {
                load.stream(tokensEach, perSecond, ramp, deadline());
                if (w == 2) { // the round measured before the default was three warm-ups: kept comparable
                    f.put("p99early", load.latencyMicros.getValueAtPercentile(99) / 1000.0);
                    System.out.println("  " + run + ", round 2, token delay p99/max in ms by arrival:"
                            + load.timelineText());
                }
            }
            double secs = load.stream(tokensEach, perSecond, ramp, deadline());
            if (!streamed(t, run, load, secs)) {
                return new Figures();
            }
            var h = load.latencyMicros;
            System.out.println("  " + run + ", token delay p99/max in ms by arrival (s after the ask at "
                    + Instant.ofEpochMilli(load.askedAtMillis) + "):" + load.timelineText());
            return f.put("p50", h.getValueAtPercentile(50) / 1000.0)
                    .put("p99", h.getValueAtPercentile(99) / 1000.0).put("max", h.getMaxValue() / 1000.0);
        }
    }

    private void scale(int sessions, int tokensEach, double perSecond) throws Exception {
        Paired p = new Paired(sessions + " streams × " + fmt(perSecond) + " tokens/s × " + tokensEach + " tokens",
                GATEWAY, BASELINE)
                .measure("done", "streams completed", "")
                .measure("idleThreads", "threads before", "")
                .measure("peakThreads", "threads at the peak", "")
                .measure("heap", "heap after GC at the end", "MiB")
                .measure("cpu", "CPU", "cores")
                .measure("wall", "wall time", "s");
        pairs("3 scale", p, (side, pair) -> {
            String run = runName("scale", side, pair);
            try (Target t = start(side, run, Map.of()); LoadClient load = new LoadClient(sessions)) {
                Figures f = new Figures();
                int idleThreads = t.threads();
                load.open(t.port, sessions, run);
                double cpu0 = t.cpuSeconds();
                double secs;
                int peakThreads;
                try (Target.Peaks peaks = t.peaks()) {
                    secs = load.stream(tokensEach, perSecond, smoke ? 200 : 2000, deadline());
                    peakThreads = peaks.threads();
                }
                double cpu = (t.cpuSeconds() - cpu0) / Math.max(secs > 0 ? secs : load.secondsSinceAsk(), 1e-9);
                streamed(t, run, load, secs);
                f.put("done", sessions - load.unfinished()).put("idleThreads", idleThreads)
                        .put("peakThreads", peakThreads).put("heap", t.heapAfterGcKib() / 1024.0).put("cpu", cpu);
                if (secs > 0) {
                    f.put("wall", secs);
                }
                return f;
            }
        });
    }

    private void idle(int sockets) throws Exception {
        String secret = "bench-secret";
        // every socket is the same application's: its connection limit must not be what is measured
        Map<String, String> env = Map.of("FIXED_SECRET", secret,
                "GATEWAY__MAX_CONNECTIONS_PER_APP", Integer.toString(sockets + 1000));
        Paired p = new Paired(sockets + " authenticated idle sockets", GATEWAY, BASELINE)
                .measure("heap", "heap per socket", "KiB")
                .measure("rss", "RSS per socket", "KiB");
        pairs("4 idle sockets", p, (side, pair) -> {
            String run = runName("idle", side, pair);
            try (Target t = start(side, run, env); LoadClient load = new LoadClient(sockets)) {
                Thread.sleep(smoke ? 200 : 1000);
                long heap0 = t.heapAfterGcKib();
                long rss0 = t.rssKib();
                String token = LoadClient.token("bench", secret);
                load.open(t.port, sockets, 500, n -> "/ws/" + run + "-" + n + "?appid=bench&token=" + token);
                Thread.sleep(smoke ? 500 : 2000);
                check(load.open() == sockets, t.name + " idle: only " + load.open() + " sockets open");
                return new Figures().put("heap", (t.heapAfterGcKib() - heap0) / (double) sockets)
                        .put("rss", (t.rssKib() - rss0) / (double) sockets);
            }
        });
    }

    /**
     * Clients that read at a tenth of the agent's pace: the agent streams each answer at a fixed rate whatever
     * happens, each client takes at most a tenth of that many frames a second (paused socket, a few frames fetched
     * each tick, a small receive buffer so the backlog reaches the process under test instead of waiting in the
     * kernel). Counted in tokens of text, so a relay that merges waiting tokens into fewer frames delivers more.
     */
    private void slowReaders(int sessions, int windowSeconds) throws Exception {
        int agentRate = 100;
        int readRate = agentRate / 10;
        int tokensEach = agentRate * windowSeconds;
        int receiveBuffer = 64 * 1024;
        Paired p = new Paired(sessions + " sessions, agent at " + agentRate + " tokens/s × " + tokensEach
                + " tokens, clients taking " + readRate + " frames/s, for " + windowSeconds + " s", GATEWAY, BASELINE)
                .measure("rate", "tokens delivered", "tokens/s")
                .measure("frames", "frames delivered", "frames/s")
                .measure("heap", "heap after GC at the end", "MiB")
                .measure("rss", "RSS at the peak", "MiB");
        pairs("7 slow readers", p, (side, pair) -> {
            String run = runName("slow", side, pair);
            try (Target t = start(side, run, Map.of());
                 LoadClient load = LoadClient.readingAtMost(sessions, readRate, receiveBuffer)) {
                load.open(t.port, sessions, run);
                double secs;
                long tokens;
                long frames;
                long peakRss;
                try (Target.Peaks peaks = t.peaks()) {
                    load.ask(tokensEach, agentRate, smoke ? 100 : 1000);
                    load.awaitFinals(windowSeconds);
                    // counted at the end of the window: the clients read on while the heap is measured
                    secs = load.secondsSinceAsk();
                    tokens = load.tokens.get();
                    frames = load.frames.get();
                    peakRss = peaks.rssKib();
                }
                long heap = t.heapAfterGcKib(); // with the backlog still waiting
                rightSoFar(t, run, load, true); // the answers are not meant to finish within the window
                return new Figures().put("rate", tokens / secs).put("frames", frames / secs)
                        .put("heap", heap / 1024.0).put("rss", peakRss / 1024.0);
            }
        });
    }

    /**
     * The judgement round trip through the gateway (WebSocket → Redis job → worker → reply → socket), over one
     * redis-server and one worker, in two tables: against the same trip done with raw Redis commands (the issue's
     * measure), then against the same trip through {@link JudgementRelay}, a WebSocket relay on Vert.x and its
     * non-blocking Redis client (what a WebSocket hop adds, which the raw trip has not). Each run: one request in
     * flight (the round trip), then {@code inFlight} at once, on as many sockets (the throughput).
     */
    private void judgement(int inFlight, int oneAtATime, int loaded) throws Exception {
        try (LocalRedis redis = LocalRedis.start();
             JudgementTrip.Worker worker = new JudgementTrip.Worker(redis.port, 4)) {
            Map<String, String> env = Map.of("REDIS_HOST", "127.0.0.1", "REDIS_PORT", Integer.toString(redis.port),
                    // one socket asks again as soon as it has its answer: far more than a person's frame rate
                    "GATEWAY__WS_MAX_FRAMES_PER_SECOND", "100000");
            pairs("8 judgement round trip", judgementTable(inFlight, RAW_REDIS), (side, pair) -> {
                Target t = side == Side.A ? gateway(runName("judgement", side, pair), env) : null;
                try (t; JudgementTrip.Client client = t != null ? new JudgementTrip.ViaGateway(t.port, inFlight)
                        : new JudgementTrip.ViaRedis(redis.port, inFlight)) {
                    return judgementRun(t != null ? GATEWAY : RAW_REDIS, client, oneAtATime, loaded);
                }
            });
            pairs("8 judgement round trip, against a Vert.x relay", judgementTable(inFlight, JUDGEMENT_RELAY),
                    (side, pair) -> {
                        String run = runName("judgement-relay", side, pair);
                        try (Target t = side == Side.A ? gateway(run, env) : judgementRelay(run, redis.port);
                             JudgementTrip.Client client = new JudgementTrip.ViaGateway(t.port, inFlight)) {
                            return judgementRun(side == Side.A ? GATEWAY : JUDGEMENT_RELAY, client, oneAtATime,
                                    loaded);
                        }
                    });
            System.out.println("  worker answered " + worker.jobs.get() + " jobs");
        }
    }

    private static Paired judgementTable(int inFlight, String against) {
        return new Paired("one agent's thought and final per request", GATEWAY, against)
                .delay("p50", "round trip p50, one request in flight")
                .delay("p99", "round trip p99, one request in flight")
                .measure("rate", "judgements, " + inFlight + " in flight", "judgements/s")
                .delay("p99Loaded", "round trip p99, " + inFlight + " in flight");
    }

    private Figures judgementRun(String name, JudgementTrip.Client client, int oneAtATime, int loaded)
            throws InterruptedException {
        List<JudgementTrip.Lane> lanes = client.lanes();
        judged(name, "warm-up", JudgementTrip.drive(lanes, Math.max(oneAtATime, loaded / 10), deadline()));
        JudgementTrip.Result single = JudgementTrip.drive(lanes.subList(0, 1), oneAtATime, deadline());
        JudgementTrip.Result many = JudgementTrip.drive(lanes, loaded, deadline());
        Figures f = new Figures();
        if (judged(name, "one in flight", single)) {
            f.put("p50", single.percentileMs(50)).put("p99", single.percentileMs(99));
        }
        if (judged(name, lanes.size() + " in flight", many)) {
            f.put("rate", many.perSecond()).put("p99Loaded", many.percentileMs(99));
        }
        return f;
    }

    private Target judgementRelay(String run, int redisPort) throws Exception {
        int port = freePort();
        List<String> args = new ArrayList<>(jvmOptions);
        args.addAll(List.of("-cp", benchJar.toString(), JudgementRelay.class.getName(), Integer.toString(port),
                Integer.toString(redisPort)));
        return Target.start("judgement-relay", java, args, Map.of(), port, logs.resolve("judgement-relay-" + run
                + ".log")).killedOnClose();
    }

    private boolean judged(String side, String phase, JudgementTrip.Result r) {
        boolean ok = r.failed() == 0 && r.done() > 0;
        check(ok, side + " judgements, " + phase + ": " + r.failed() + " failed of " + r.done() + " answered; "
                + r.problems());
        return ok;
    }

    /**
     * The gateway with Redis (sessions saved, directory, relay) against the same gateway in memory: throughput, then
     * token delay, on one process per run. Goal: throughput at least 0.7 times, p99 token delay within 5 ms.
     */
    private void redisMode(int sessions, int tokensEach, int latencySessions, int latencyTokens) throws Exception {
        try (LocalRedis redis = LocalRedis.start()) {
            Map<String, String> withRedis =
                    Map.of("REDIS_HOST", "127.0.0.1", "REDIS_PORT", Integer.toString(redis.port));
            Paired p = new Paired("the gateway with Redis against the same gateway in memory", "with Redis",
                    "in memory")
                    .measure("rate", sessions + " sessions × " + tokensEach
                            + " tokens, agent flat out: tokens delivered", "tokens/s")
                    .delay("p99", latencySessions + " sessions × 20 tokens/s: token delay p99");
            pairs("6 Redis mode", p, (side, pair) -> {
                String run = runName("redis-mode", side, pair);
                try (Target t = gateway(run, side == Side.A ? withRedis : Map.of())) {
                    Figures f = flatOut(t, run + "-tp", sessions, tokensEach);
                    Double p99 = paced(t, run + "-lat", latencySessions, latencyTokens, 20).get("p99");
                    return p99 == null ? f : f.put("p99", p99);
                }
            });
        }
    }

    /** Every session's answer came whole, in order, with no error: else the scenario is reported broken. */
    private boolean streamed(Target t, String run, LoadClient load, double secs) {
        return rightSoFar(t, run, load, secs > 0);
    }

    /** Tokens came, each once and in order, and no error frame: else the scenario is reported broken. */
    private boolean rightSoFar(Target t, String run, LoadClient load, boolean finished) {
        boolean ok = finished && load.errors.get() == 0 && load.wrong.get() == 0 && load.tokens.get() > 0;
        check(ok, t.name + " " + run + ": " + (finished ? "" : load.unfinished() + " sessions unfinished in time, ")
                + load.errors.get() + " error frames, " + load.wrong.get() + " tokens wrong or missing, "
                + load.tokens.get() + " tokens; " + load.problems());
        return ok;
    }

    /** How long one round of load may take before it counts as broken. */
    private long deadline() {
        return smoke ? 20 : 300;
    }

    // --- output ---------------------------------------------------------------------------------

    private void check(boolean ok, String problem) {
        if (!ok) {
            failed = true;
            notes.add("**Not met:** " + problem);
            System.out.println("NOT MET: " + problem);
        }
    }

    private String report() throws IOException, InterruptedException {
        StringBuilder sb = new StringBuilder();
        sb.append("### ").append(javaVersion())
                .append(smoke ? " (smoke run: tiny load, C1 only, figures meaningless)" : "").append("\n\n");
        sb.append(pairs).append(pairs == 1 ? " pair" : " pairs").append(" of runs per scenario, interleaved (")
                .append("gateway, baseline, gateway, baseline, …), each run on a fresh process. Figures are the ")
                .append("median of each side's runs; the last column is the median of the pairs' ratios, with ")
                .append("their min–max (for delays also the difference in ms).\n\n");
        for (String s : sections) {
            sb.append(s).append("\n");
        }
        for (String n : notes) {
            sb.append(n).append("\n\n");
        }
        List<String> took = new ArrayList<>();
        seconds.forEach((name, s) -> took.add(name + " " + s + " s"));
        sb.append("Time per scenario: ").append(String.join(", ", took)).append(".\n");
        return sb.toString();
    }

    private String javaVersion() throws IOException, InterruptedException {
        Process p = new ProcessBuilder(java, "-version").redirectErrorStream(true).start();
        String first = new String(p.getInputStream().readAllBytes()).lines().findFirst().orElse("java ?");
        p.waitFor();
        return first.replace("\"", "");
    }

    private static String fmt(double v) {
        return Paired.fmt(v, "");
    }

    private static void awaitListening(int port, Process process) throws Exception {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < until && process.isAlive()) {
            try (Socket s = new Socket("127.0.0.1", port)) {
                return;
            } catch (IOException notYet) {
                Thread.sleep(20);
            }
        }
        throw new IllegalStateException("the stand-in agent did not start; see bench/target/logs/agent.log");
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
