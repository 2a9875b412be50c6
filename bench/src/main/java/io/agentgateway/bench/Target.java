package io.agentgateway.bench;

import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A process under test (the gateway or the baseline relay), with what /proc and jcmd say about it. */
public final class Target implements AutoCloseable {

    private static final Pattern USED = Pattern.compile("used (\\d+)K");

    final String name;
    final Process process;
    final int port;
    final double startupSeconds;
    private final String java;
    private boolean killOnClose;

    private Target(String name, Process process, int port, double startupSeconds, String java) {
        this.name = name;
        this.process = process;
        this.port = port;
        this.startupSeconds = startupSeconds;
        this.java = java;
    }

    /** Starts a process and waits for its /health to answer 200. */
    static Target start(String name, String java, List<String> args, Map<String, String> env, int port, Path log)
            throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(java);
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().putAll(env);
        long t0 = System.nanoTime();
        Process p = pb.start();
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(200)).build();
        HttpRequest health = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health"))
                .timeout(Duration.ofSeconds(2)).build();
        while (true) {
            if (!p.isAlive()) {
                throw new IllegalStateException(name + " exited during start-up; see " + log);
            }
            if (System.nanoTime() - t0 > TimeUnit.SECONDS.toNanos(60)) {
                p.destroyForcibly();
                throw new IllegalStateException(name + " not ready in 60 s; see " + log);
            }
            try {
                if (http.send(health, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    break;
                }
            } catch (Exception notYet) {
                // not listening yet
            }
            Thread.sleep(10);
        }
        return new Target(name, p, port, (System.nanoTime() - t0) / 1e9, java);
    }

    /**
     * Makes {@link #close()} kill the process (SIGKILL) instead of asking it to stop: a benchmark run does not
     * measure shutdown, and the gateway's orderly one costs about two seconds a run.
     */
    Target killedOnClose() {
        // a flight recording is written at an orderly exit only: profiling runs (docs/benchmarks.md) stop in order
        String tool = String.valueOf(System.getenv("JAVA_TOOL_OPTIONS"));
        killOnClose = !tool.contains("FlightRecording") && System.getenv("BENCH_ORDERLY_STOP") == null;
        return this;
    }

    long pid() {
        return process.pid();
    }

    /** Threads of the process now. */
    int threads() {
        return (int) status("Threads:");
    }

    /** Resident memory in KiB. */
    long rssKib() {
        return status("VmRSS:");
    }

    private long status(String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid() + "/status"))) {
                if (line.startsWith(field)) {
                    return Long.parseLong(line.substring(field.length()).trim().split("\\s+")[0]);
                }
            }
        } catch (Exception e) {
            return -1;
        }
        return -1;
    }

    /** CPU time used so far (user + system), in seconds. */
    double cpuSeconds() {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid() + "/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0;
        } catch (Exception e) {
            return -1;
        }
    }

    /** Heap in use after a full GC, in KiB (jcmd of the target's own JDK; one attach for both commands). */
    long heapAfterGcKib() {
        String jcmd = new File(new File(java).getParentFile(), "jcmd").getPath();
        try {
            Path commands = Files.createTempFile("bench-jcmd", ".txt");
            try {
                Files.writeString(commands, "GC.run\nGC.heap_info\n");
                String info = run(jcmd, Long.toString(pid()), "-f", commands.toString());
                Matcher m = USED.matcher(info);
                return m.find() ? Long.parseLong(m.group(1)) : -1;
            } finally {
                Files.deleteIfExists(commands);
            }
        } catch (Exception e) {
            return -1;
        }
    }

    private static String run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        p.waitFor(30, TimeUnit.SECONDS);
        return out;
    }

    /** Samples threads and RSS every 200 ms until closed, keeping the highest of each. */
    Peaks peaks() {
        return new Peaks(this);
    }

    static final class Peaks implements AutoCloseable {
        private final Thread sampler;
        private volatile int threads;
        private volatile long rssKib;

        private Peaks(Target target) {
            sampler = new Thread(() -> {
                while (!Thread.currentThread().isInterrupted()) {
                    threads = Math.max(threads, target.threads());
                    rssKib = Math.max(rssKib, target.rssKib());
                    try {
                        Thread.sleep(200);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "peaks-" + target.name);
            sampler.setDaemon(true);
            sampler.start();
        }

        int threads() {
            return threads;
        }

        long rssKib() {
            return rssKib;
        }

        @Override
        public void close() throws InterruptedException {
            sampler.interrupt();
            sampler.join(1000);
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (killOnClose) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            return;
        }
        process.destroy();
        if (!process.waitFor(15, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }
}
