package io.agentgateway.testing;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import io.agentgateway.App;

/**
 * The gateway as a separate process (the real launcher, configured by environment variables as an operator would),
 * on a free loopback port, with its output in target/. For behaviour that is about instances: several of these on
 * one Redis, and {@link #kill()} for an instance that dies without shutting down.
 */
public final class GatewayProcess implements AutoCloseable {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final Process process;
    private final String name;
    private final int port;
    private final Path log;

    private GatewayProcess(Process process, String name, int port, Path log) {
        this.process = process;
        this.name = name;
        this.port = port;
        this.log = log;
    }

    /** Starts an instance with these environment variables (plus HOST and PORT) and waits until /health answers. */
    public static GatewayProcess start(String name, Map<String, String> env) throws Exception {
        return launch(name, env, List.of()).awaitHealthy();
    }

    /**
     * Starts an instance and returns at once, before it listens.
     *
     * @param jvmOptions options for its JVM, before the main class (such as -Xlog:...)
     */
    public static GatewayProcess launch(String name, Map<String, String> env, List<String> jvmOptions)
            throws IOException {
        return launch(name, env, jvmOptions, null);
    }

    /**
     * Starts an instance whose output (stdout and stderr) goes to {@code output} rather than its log file: with
     * {@link ProcessBuilder.Redirect#PIPE}, a pipe that only {@link #output()} reads.
     */
    public static GatewayProcess launch(String name, Map<String, String> env, List<String> jvmOptions,
                                        ProcessBuilder.Redirect output) throws IOException {
        return launch(name, env, jvmOptions, output, null);
    }

    /**
     * Starts an instance that runs in {@code workDir} (null: this one), so that it reads that directory's
     * application.properties and routes/ (an operator's edited copies), and waits until /health answers.
     */
    public static GatewayProcess start(String name, Map<String, String> env, Path workDir) throws Exception {
        return launch(name, env, List.of(), null, workDir).awaitHealthy();
    }

    private static GatewayProcess launch(String name, Map<String, String> env, List<String> jvmOptions,
                                         ProcessBuilder.Redirect output, Path workDir) throws IOException {
        int port = RunningGateway.freePort();
        String java = System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
        Path log = Path.of("target", "gateway-" + name + "-" + port + ".log");
        Files.createDirectories(log.getParent());
        List<String> command = new ArrayList<>(List.of(java, "-Xmx256m"));
        command.addAll(jvmOptions);
        // absolute, so that the class path holds from another working directory too
        String classPath = Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .map(p -> Path.of(p).toAbsolutePath().toString()).collect(Collectors.joining(File.pathSeparator));
        command.addAll(List.of("-cp", classPath, App.class.getName()));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(output != null ? output : ProcessBuilder.Redirect.to(log.toAbsolutePath().toFile()));
        if (workDir != null) {
            pb.directory(workDir.toFile());
        }
        Map<String, String> environment = new LinkedHashMap<>(env);
        environment.put("HOST", "127.0.0.1");
        environment.put("PORT", Integer.toString(port));
        pb.environment().putAll(environment);
        return new GatewayProcess(pb.start(), name, port, log);
    }

    /** Waits until /health answers 200 (at most 90 s). */
    public GatewayProcess awaitHealthy() throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("gateway " + name + " exited: " + Files.readString(log));
            }
            if (healthy()) {
                return this;
            }
            Thread.sleep(100); // polling a process that is starting: nothing to wait on but its port
        }
        kill();
        throw new IllegalStateException("gateway " + name + " not ready in 90 s: " + Files.readString(log));
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    private boolean healthy() {
        try {
            return HTTP.send(HttpRequest.newBuilder(url("/health")).timeout(Duration.ofSeconds(2)).GET().build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** the operating system's id of the process */
    public long pid() {
        return process.pid();
    }

    public int port() {
        return port;
    }

    public URI url(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    public WsClient connect(String pathAndQuery) {
        return WsClient.connect(URI.create("ws://127.0.0.1:" + port + pathAndQuery));
    }

    /** The process's output, when it was launched with {@link ProcessBuilder.Redirect#PIPE}. */
    public InputStream output() {
        return process.getInputStream();
    }

    public String log() throws IOException {
        return Files.readString(log);
    }

    /** Dies at once, without shutting down (SIGKILL). */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws Exception {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            kill();
        }
    }
}
