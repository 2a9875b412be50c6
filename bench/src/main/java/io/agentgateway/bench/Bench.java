package io.agentgateway.bench;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import redis.embedded.RedisServer;

/**
 * Runs the benchmark scenarios against the gateway and against the baseline relay, one after the other on the
 * same stand-in agent and the same load, and prints (and writes) a table of figures and gateway/baseline ratios.
 * Every process binds loopback only; every loop is bounded in count and time.
 *
 * <pre>
 * java -jar bench/target/agent-gateway-bench.jar [--java PATH] [--virtual-threads] [--smoke] [--out FILE]
 * </pre>
 */
public final class Bench {

    private final String java;
    private final boolean virtualThreads;
    private final boolean smoke;
    private final Path gatewayJar = Path.of("target/agent-gateway.jar");
    private final Path benchJar;
    private final Path logs = Path.of("bench/target/logs");
    private final List<String[]> rows = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();
    private int agentPort;

    private final String only;

    private Bench(String java, boolean virtualThreads, boolean smoke, String only) throws Exception {
        this.java = java;
        this.virtualThreads = virtualThreads;
        this.smoke = smoke;
        this.only = only;
        this.benchJar = Path.of(Bench.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    }

    public static void main(String[] args) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        boolean vt = false;
        boolean smoke = false;
        Path out = null;
        String only = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--java" -> java = args[++i];
                case "--virtual-threads" -> vt = true;
                case "--smoke" -> smoke = true;
                case "--out" -> out = Path.of(args[++i]);
                case "--only" -> only = args[++i];
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        Bench bench = new Bench(java, vt, smoke, only);
        String report = bench.run();
        System.out.println(report);
        if (out != null) {
            Files.createDirectories(out.toAbsolutePath().getParent());
            Files.writeString(out, report);
        }
        System.exit(bench.failed ? 1 : 0);
    }

    private boolean failed;

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
            Thread.sleep(1500);
            if (wanted("startup")) {
                startup();
            }
            if (wanted("throughput")) {
                throughput(smoke ? 5 : 100, smoke ? 50 : 2000);
            }
            if (wanted("latency")) {
                latency(smoke ? 10 : 200, smoke ? 10 : 60, 20);
                if (!smoke) {
                    latency(1000, 60, 20);
                }
            }
            if (wanted("scale")) {
                scale(smoke ? 20 : 8000, smoke ? 4 : 20, 2);
            }
            if (wanted("idle")) {
                idle(smoke ? 20 : 10_000);
            }
            if (wanted("redis")) {
                redisMode(smoke ? 1 : 3, smoke ? 5 : 100, smoke ? 50 : 2000, smoke ? 10 : 200, smoke ? 10 : 60);
            }
        } finally {
            agent.destroy();
            agent.waitFor(10, TimeUnit.SECONDS);
        }
        return report();
    }

    private boolean wanted(String scenario) {
        return only == null || only.equals(scenario);
    }

    // --- the processes under test ---------------------------------------------------------------

    private Target gateway(String scenario, Map<String, String> extraEnv) throws Exception {
        int port = freePort();
        Map<String, String> env = new HashMap<>();
        env.put("HOST", "127.0.0.1");
        env.put("PORT", Integer.toString(port));
        env.put("GATEWAY__AGENT_URL", "http://127.0.0.1:" + agentPort + "/v1/chat/completions");
        env.put("GATEWAY__AGENT_MAX_STREAMS", "12000");
        env.put("GATEWAY__REQUEST_TIMEOUT", "60");
        env.put("GATEWAY__HISTORY_MAX_MESSAGES", "0");
        env.put("GATEWAY__VIRTUAL_THREADS", Boolean.toString(virtualThreads));
        env.putAll(extraEnv);
        return Target.start("gateway", java, List.of("-jar", gatewayJar.toString()), env, port,
                logs.resolve("gateway-" + scenario + ".log"));
    }

    private Target baseline(String scenario) throws Exception {
        int port = freePort();
        return Target.start("baseline", java, List.of("-cp", benchJar.toString(), BaselineRelay.class.getName(),
                        Integer.toString(port), "http://127.0.0.1:" + agentPort + "/v1/chat/completions"),
                Map.of(), port, logs.resolve("baseline-" + scenario + ".log"));
    }

    // --- scenarios ------------------------------------------------------------------------------

    private void startup() throws Exception {
        double[] seconds = new double[2];
        long[] rss = new long[2];
        for (int i = 0; i < 2; i++) {
            try (Target t = i == 0 ? gateway("startup", Map.of()) : baseline("startup")) {
                seconds[i] = t.startupSeconds;
                Thread.sleep(2000);
                rss[i] = t.rssKib();
            }
        }
        row("5 start-up", "process start → /health 200", fmt(seconds[0], "s"), fmt(seconds[1], "s"), ratio(seconds[0], seconds[1]));
        // the same with an AppCDS archive of the classes a start-up loads (made by one start beforehand)
        Path archive = logs.resolve("gateway-cds.jsa").toAbsolutePath();
        Files.deleteIfExists(archive);
        try (Target t = gateway("startup-cds-dump", Map.of("JAVA_TOOL_OPTIONS", "-XX:ArchiveClassesAtExit=" + archive))) {
            Thread.sleep(1000);
        }
        if (Files.isRegularFile(archive)) {
            try (Target t = gateway("startup-cds", Map.of("JAVA_TOOL_OPTIONS", "-XX:SharedArchiveFile=" + archive))) {
                row("5 start-up", "the same with an AppCDS archive (-XX:SharedArchiveFile)", fmt(t.startupSeconds, "s"),
                        fmt(seconds[1], "s"), ratio(t.startupSeconds, seconds[1]));
            }
        }
        row("5 start-up", "idle RSS", mib(rss[0]), mib(rss[1]), ratio(rss[0], rss[1]));
    }

    private void throughput(int sessions, int tokensEach) throws Exception {
        double[] rate = new double[2];
        double[] cpu = new double[2];
        for (int i = 0; i < 2; i++) {
            try (Target t = i == 0 ? gateway("throughput", Map.of()) : baseline("throughput");
                 LoadClient load = new LoadClient(sessions)) {
                load.open(t.port, sessions, 500, n -> "/ws/tp-" + n);
                load.stream(tokensEach / 4, 0, 0, 300); // warm-up: the JIT compiles the hot path, then we measure
                double cpu0 = t.cpuSeconds();
                double secs = load.stream(tokensEach, 0, 0, 300);
                cpu[i] = (t.cpuSeconds() - cpu0) / Math.max(secs, 1e-9);
                check(secs > 0 && load.errors.get() == 0 && load.wrong.get() == 0, t.name + " throughput: "
                        + load.unfinished() + " sessions unfinished, " + load.errors.get() + " errors; " + load.problems());
                rate[i] = load.tokens.get() / secs;
            }
        }
        row("1 throughput", sessions + " sessions × " + tokensEach + " tokens, agent flat out", fmt(rate[0], "tokens/s"),
                fmt(rate[1], "tokens/s"), ratio(rate[0], rate[1]));
        row("1 throughput", "CPU of the process under test", fmt(cpu[0], "cores"), fmt(cpu[1], "cores"), ratio(cpu[0], cpu[1]));
    }

    private void latency(int sessions, int tokensEach, double perSecond) throws Exception {
        double[][] ms = new double[2][];
        for (int i = 0; i < 2; i++) {
            try (Target t = i == 0 ? gateway("latency", Map.of()) : baseline("latency");
                 LoadClient load = new LoadClient(sessions)) {
                load.open(t.port, sessions, 500, n -> "/ws/lat-" + n);
                load.stream(tokensEach, perSecond, 1000, 300); // warm-up round, not measured
                double secs = load.stream(tokensEach, perSecond, 1000, 300);
                check(secs > 0 && load.errors.get() == 0 && load.wrong.get() == 0, t.name + " latency: "
                        + load.unfinished() + " unfinished; " + load.problems());
                var h = load.latencyMicros;
                ms[i] = new double[] {h.getValueAtPercentile(50) / 1000.0, h.getValueAtPercentile(99) / 1000.0,
                                      h.getMaxValue() / 1000.0};
            }
        }
        String what = sessions + " sessions × " + (int) perSecond + " tokens/s: token delay ";
        row("2 latency", what + "p50", fmt(ms[0][0], "ms"), fmt(ms[1][0], "ms"), delta(ms[0][0] - ms[1][0]));
        row("2 latency", what + "p99", fmt(ms[0][1], "ms"), fmt(ms[1][1], "ms"), delta(ms[0][1] - ms[1][1]));
        row("2 latency", what + "max", fmt(ms[0][2], "ms"), fmt(ms[1][2], "ms"), delta(ms[0][2] - ms[1][2]));
    }

    private void scale(int sessions, int tokensEach, double perSecond) throws Exception {
        String[][] out = new String[2][];
        int[] peakThreads = new int[2];
        int[] idleThreads = new int[2];
        for (int i = 0; i < 2; i++) {
            try (Target t = i == 0 ? gateway("scale", Map.of()) : baseline("scale");
                 LoadClient load = new LoadClient(sessions)) {
                idleThreads[i] = t.threads();
                load.open(t.port, sessions, 500, n -> "/ws/scale-" + n);
                AtomicInteger peak = new AtomicInteger();
                Thread sampler = new Thread(() -> {
                    while (!Thread.currentThread().isInterrupted()) {
                        peak.accumulateAndGet(t.threads(), Math::max);
                        try {
                            Thread.sleep(200);
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                });
                sampler.setDaemon(true);
                sampler.start();
                double cpu0 = t.cpuSeconds();
                double secs = load.stream(tokensEach, perSecond, 2000, 300);
                double cpu = (t.cpuSeconds() - cpu0) / Math.max(secs, 1e-9);
                sampler.interrupt();
                long heap = t.heapAfterGcKib();
                peakThreads[i] = peak.get();
                long done = sessions - load.unfinished();
                check(done == sessions, t.name + " scale: " + load.unfinished() + " of " + sessions + " unfinished");
                out[i] = new String[] {done + " / " + sessions, Integer.toString(peak.get()), mib(heap),
                                       fmt(cpu, "cores"), secs > 0 ? fmt(secs, "s") : "did not finish"};
            }
        }
        String what = sessions + " streams × " + (int) perSecond + " tokens/s × " + tokensEach + " tokens: ";
        row("3 scale", what + "completed", out[0][0], out[1][0], "");
        row("3 scale", what + "threads idle → peak", idleThreads[0] + " → " + out[0][1], idleThreads[1] + " → " + out[1][1],
                ratio(peakThreads[0], peakThreads[1]));
        row("3 scale", what + "heap after GC at the end", out[0][2], out[1][2], "");
        row("3 scale", what + "CPU", out[0][3], out[1][3], "");
        row("3 scale", what + "wall time", out[0][4], out[1][4], "");
    }

    private void idle(int sockets) throws Exception {
        double[] heapPer = new double[2];
        double[] rssPer = new double[2];
        String secret = "bench-secret";
        String token = LoadClient.token("bench", secret);
        for (int i = 0; i < 2; i++) {
            // every socket is the same application's: its connection limit (1000 by default) must not be what is hit
            Map<String, String> env = Map.of("FIXED_SECRET", secret,
                    "GATEWAY__MAX_CONNECTIONS_PER_APP", Integer.toString(sockets + 1000));
            try (Target t = i == 0 ? gateway("idle", env) : baseline("idle");
                 LoadClient load = new LoadClient(sockets)) {
                Thread.sleep(1000);
                long heap0 = t.heapAfterGcKib();
                long rss0 = t.rssKib();
                load.open(t.port, sockets, 500, n -> "/ws/idle-" + n + "?appid=bench&token=" + token);
                Thread.sleep(2000);
                check(load.open() == sockets, t.name + " idle: only " + load.open() + " sockets open");
                heapPer[i] = (t.heapAfterGcKib() - heap0) * 1024.0 / sockets;
                rssPer[i] = (t.rssKib() - rss0) * 1024.0 / sockets;
            }
        }
        String what = sockets + " authenticated idle sockets: ";
        row("4 idle sockets", what + "heap per socket", fmt(heapPer[0] / 1024, "KB"), fmt(heapPer[1] / 1024, "KB"),
                ratio(heapPer[0], heapPer[1]));
        row("4 idle sockets", what + "RSS per socket", fmt(rssPer[0] / 1024, "KB"), fmt(rssPer[1] / 1024, "KB"),
                ratio(rssPer[0], rssPer[1]));
    }

    /**
     * The gateway with Redis (sessions saved, directory, relay) against the same gateway in memory, in pairs run one
     * after the other (memory, Redis, memory, Redis, ...): the median ratio and its range. Goal: throughput at least
     * 0.7 times, p99 token delay within 5 ms.
     */
    private void redisMode(int pairs, int sessions, int tokensEach, int latencySessions, int latencyTokens)
            throws Exception {
        int redisPort = freePort();
        RedisServer redisServer = RedisServer.newRedisServer().bind("127.0.0.1").port(redisPort)
                .setting("save \"\"").setting("appendonly no").build();
        redisServer.start();
        try {
            Map<String, String> withRedis = Map.of("REDIS_HOST", "127.0.0.1", "REDIS_PORT", Integer.toString(redisPort));
            List<Double> rateRatios = new ArrayList<>();
            List<Double> p99Deltas = new ArrayList<>();
            double[] lastRate = new double[2];
            double[] lastP99 = new double[2];
            for (int p = 0; p < pairs; p++) {
                for (int i = 0; i < 2; i++) {
                    Map<String, String> env = i == 0 ? Map.of() : withRedis;
                    try (Target t = gateway("redis-mode-" + p + "-" + i, env);
                         LoadClient load = new LoadClient(sessions)) {
                        load.open(t.port, sessions, 500, n -> "/ws/rm-" + n);
                        load.stream(tokensEach / 4, 0, 0, 300);
                        double secs = load.stream(tokensEach, 0, 0, 300);
                        check(secs > 0 && load.errors.get() == 0 && load.wrong.get() == 0, t.name
                                + " redis-mode throughput: "
                                + load.unfinished() + " unfinished");
                        lastRate[i] = load.tokens.get() / Math.max(secs, 1e-9);
                    }
                    try (Target t = gateway("redis-mode-lat-" + p + "-" + i, env);
                         LoadClient load = new LoadClient(latencySessions)) {
                        load.open(t.port, latencySessions, 500, n -> "/ws/rml-" + n);
                        load.stream(latencyTokens, 20, 1000, 300);
                        double secs = load.stream(latencyTokens, 20, 1000, 300);
                        check(secs > 0 && load.errors.get() == 0 && load.wrong.get() == 0, t.name
                                + " redis-mode latency: "
                                + load.unfinished() + " unfinished");
                        lastP99[i] = load.latencyMicros.getValueAtPercentile(99) / 1000.0;
                    }
                }
                rateRatios.add(lastRate[1] / Math.max(lastRate[0], 1e-9));
                p99Deltas.add(lastP99[1] - lastP99[0]);
            }
            Collections.sort(rateRatios);
            Collections.sort(p99Deltas);
            String range = pairs + " pairs, median (min–max)";
            row("6 Redis mode", sessions + " sessions × " + tokensEach + " tokens: throughput with Redis / in memory, "
                    + range, fmt(lastRate[1], "tokens/s"), fmt(lastRate[0], "tokens/s (memory)"),
                    String.format(Locale.ROOT, "%.2f× (%.2f–%.2f)", median(rateRatios), rateRatios.get(0),
                            rateRatios.get(rateRatios.size() - 1)));
            row("6 Redis mode", latencySessions + " sessions × 20 tokens/s: p99 with Redis − in memory, " + range,
                    fmt(lastP99[1], "ms"), fmt(lastP99[0], "ms (memory)"),
                    String.format(Locale.ROOT, "%+.2f ms (%+.2f…%+.2f)", median(p99Deltas), p99Deltas.get(0),
                            p99Deltas.get(p99Deltas.size() - 1)));
        } finally {
            redisServer.stop();
        }
    }

    private static double median(List<Double> sorted) {
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    // --- output ---------------------------------------------------------------------------------

    private void row(String scenario, String measure, String gateway, String baseline, String ratio) {
        rows.add(new String[] {scenario, measure, gateway, baseline, ratio});
        System.out.printf("%-16s %-70s %16s %16s %10s%n", scenario, measure, gateway, baseline, ratio);
    }

    private void check(boolean ok, String problem) {
        if (!ok) {
            failed = true;
            notes.add("**Not met:** " + problem);
            System.out.println("NOT MET: " + problem);
        }
    }

    private String report() throws IOException, InterruptedException {
        StringBuilder sb = new StringBuilder();
        String version = javaVersion();
        sb.append("### ").append(version).append(virtualThreads ? ", gateway with GATEWAY__VIRTUAL_THREADS=true" : "")
                .append(smoke ? " (smoke run: tiny load, figures meaningless)" : "").append("\n\n");
        sb.append("| scenario | measure | gateway | baseline (raw Vert.x) | gateway / baseline |\n");
        sb.append("|---|---|---:|---:|---:|\n");
        for (String[] r : rows) {
            sb.append("| ").append(String.join(" | ", r)).append(" |\n");
        }
        for (String n : notes) {
            sb.append("\n").append(n).append("\n");
        }
        return sb.toString();
    }

    private String javaVersion() throws IOException, InterruptedException {
        Process p = new ProcessBuilder(java, "-version").redirectErrorStream(true).start();
        String first = new String(p.getInputStream().readAllBytes()).lines().findFirst().orElse("java ?");
        p.waitFor();
        return first.replace("\"", "");
    }

    private static String fmt(double v, String unit) {
        return String.format(Locale.ROOT, v >= 100 ? "%.0f %s" : v >= 10 ? "%.1f %s" : "%.2f %s", v, unit);
    }

    private static String delta(double ms) {
        return String.format(Locale.ROOT, "%+.2f ms", ms);
    }

    private static String mib(long kib) {
        return kib < 0 ? "n/a" : String.format(Locale.ROOT, "%.0f MiB", kib / 1024.0);
    }

    private static String ratio(double a, double b) {
        return b <= 0 ? "" : String.format(Locale.ROOT, "%.2f×", a / b);
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
