package io.agentgateway.config;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The image tarball that {@code .ci/image} builds without a Docker engine (Jib, {@code mvn -Pimage}): its config is
 * the Dockerfile's, it carries the shaded jar, and its layers really run the gateway as the image's user, with the
 * image's health check passing.
 *
 * <p>Skipped when the tarball is absent (the ordinary {@code mvn verify}), unless {@code -Dgateway.image.require=true}
 * as {@code .ci/image} passes. Starting the image needs root (chroot) and util-linux's unshare.
 */
class ContainerImageIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path TARBALL = Path.of(System.getProperty("gateway.image.tar", "target/jib-image.tar"));
    private static final boolean REQUIRED = Boolean.getBoolean("gateway.image.require");

    private static Map<String, byte[]> entries;
    private static JsonNode manifest;
    private static JsonNode config;

    @BeforeAll
    static void readTarball() throws IOException {
        if (!Files.isRegularFile(TARBALL)) {
            assertThat(REQUIRED).as("image tarball %s (build it with .ci/image)", TARBALL).isFalse();
            Assumptions.abort("no image tarball at " + TARBALL + ": .ci/image builds it");
        }
        entries = readTar(Files.newInputStream(TARBALL), name -> true);
        JsonNode manifests = JSON.readTree(entries.get("manifest.json"));
        assertThat(manifests).hasSize(1);
        manifest = manifests.get(0);
        config = JSON.readTree(entries.get(manifest.get("Config").asText()));
    }

    @AfterAll
    static void forgetTarball() {
        entries = null; // about 140 MB, in a JVM that runs other test classes after this one
    }

    @Test
    void entrypointPortUserAndHealthCheckAreTheDockerfiles() throws IOException {
        Dockerfile dockerfile = Dockerfile.read(Path.of("Dockerfile"));
        JsonNode c = config.get("config");

        assertThat(strings(c.get("Entrypoint"))).containsExactly("java", "-jar", "/app/agent-gateway.jar")
                .isEqualTo(dockerfile.entrypoint());
        assertThat(c.get("Cmd") == null || c.get("Cmd").isNull() || c.get("Cmd").isEmpty()).isTrue();
        List<String> ports = new ArrayList<>();
        c.get("ExposedPorts").fieldNames().forEachRemaining(ports::add);
        assertThat(ports).containsExactly("8000/tcp").isEqualTo(List.of(dockerfile.expose() + "/tcp"));
        assertThat(c.get("User").asText()).isEqualTo("10001:10001").isEqualTo(dockerfile.user());
        assertThat(c.get("WorkingDir").asText()).isEqualTo("/app").isEqualTo(dockerfile.workdir());
        assertThat(config.get("os").asText()).isEqualTo("linux");

        JsonNode health = c.get("Healthcheck");
        assertThat(health).as("Healthcheck in the image config").isNotNull();
        List<String> test = strings(health.get("Test"));
        assertThat(test.get(0)).isEqualTo("CMD");
        assertThat(test.subList(1, test.size())).isEqualTo(dockerfile.healthcheck());
        assertThat(health.get("Interval").asLong()).isEqualTo(Duration.ofSeconds(30).toNanos());
        assertThat(health.get("Timeout").asLong()).isEqualTo(Duration.ofSeconds(5).toNanos());
        assertThat(health.get("Retries").asInt()).isEqualTo(3);
        assertThat(dockerfile.healthcheckOptions())
                .isEqualTo("--interval=30s --timeout=5s --start-period=30s --retries=3");
    }

    @Test
    void theAppIsTheShadedJarAloneAndTheBaseHasAJava17() throws Exception {
        Map<String, byte[]> app = new LinkedHashMap<>();
        boolean javaFound = false;
        for (JsonNode layer : manifest.get("Layers")) {
            Map<String, byte[]> files = readTar(new GZIPInputStream(
                    new java.io.ByteArrayInputStream(entries.get(layer.asText()))), name -> name.startsWith("app/"));
            for (var e : files.entrySet()) {
                if (e.getKey().startsWith("app/") && e.getValue() != null) {
                    app.put(e.getKey(), e.getValue());
                }
                javaFound |= e.getKey().equals("usr/lib/jvm/java-17-openjdk-amd64/bin/java");
            }
        }
        assertThat(javaFound).as("a Java 17 in the base layers").isTrue();
        // Jib's classpath layout (classes/, libs/, resources/) is filtered out: the jar runs as in the Dockerfile.
        assertThat(app.keySet()).containsExactly("app/agent-gateway.jar");
        Path built = Path.of("target/agent-gateway.jar");
        Assumptions.assumeTrue(Files.isRegularFile(built), "no target/agent-gateway.jar to compare with");
        assertThat(sha256(app.get("app/agent-gateway.jar"))).isEqualTo(sha256(Files.readAllBytes(built)));
    }

    /** The entrypoint, started from the unpacked layers as the image's user, serves /health; the health check agrees. */
    @Test
    void theEntrypointRunsFromTheLayersAndPassesTheImagesHealthCheck(@TempDir Path dir) throws Exception {
        boolean canRun = "root".equals(System.getProperty("user.name")) && Files.isExecutable(Path.of("/usr/bin/unshare"));
        assertThat(canRun || !REQUIRED).as("running the image needs root and unshare").isTrue();
        Assumptions.assumeTrue(canRun, "running the image's layers needs root and unshare");

        Path rootfs = Files.createDirectories(dir.resolve("rootfs"));
        for (JsonNode layer : manifest.get("Layers")) {
            Path blob = dir.resolve("layer.tar.gz");
            Files.write(blob, entries.get(layer.asText()));
            run(List.of("tar", "-xzf", blob.toString(), "-C", rootfs.toString(), "--numeric-owner"), 120);
            Files.delete(blob);
        }
        JsonNode c = config.get("config");
        int port = freePort();
        List<String> env = new ArrayList<>(strings(c.get("Env")));
        env.addAll(List.of("HOME=/app", "HOST=127.0.0.1", "PORT=" + port));
        String user = c.get("User").asText();

        // A container in miniature: own mount and PID namespaces with /proc, the image's root, user, working
        // directory and environment only, and the image's entrypoint. The host's network, so the test can call it.
        List<String> command = new ArrayList<>(List.of("unshare", "--mount", "--pid", "--fork", "--kill-child",
                "--mount-proc=" + rootfs.resolve("proc"), "chroot", "--userspec=" + user, rootfs.toString(),
                "/usr/bin/env", "-i", "-C", c.get("WorkingDir").asText()));
        command.addAll(env);
        command.addAll(strings(c.get("Entrypoint")));
        Path log = dir.resolve("gateway.log");
        Process gateway = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            HttpClient http = HttpClient.newHttpClient();
            HttpRequest health = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health"))
                    .timeout(Duration.ofSeconds(5)).build();
            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(250)).ignoreExceptions()
                    .untilAsserted(() -> {
                        assertThat(gateway.isAlive()).as("gateway still running; its log:%n%s", Files.readString(log)).isTrue();
                        assertThat(http.send(health, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
                    });
            assertThat(http.send(health, HttpResponse.BodyHandlers.ofString()).body()).contains("\"status\"");

            ProcessHandle java = gateway.toHandle().descendants()
                    .filter(p -> p.info().command().map(cmd -> cmd.endsWith("/java")).orElse(false))
                    .findFirst().orElseThrow();
            assertThat(Files.readAllLines(Path.of("/proc/" + java.pid() + "/status")))
                    .filteredOn(l -> l.startsWith("Uid:")).singleElement().asString()
                    .matches("Uid:\\s+10001\\s+10001\\s+10001\\s+10001");

            List<String> healthCheck = strings(c.get("Healthcheck").get("Test"));
            assertThat(runHealthCheck(rootfs, user, healthCheck, port)).as("health check, gateway up").isZero();
            assertThat(runHealthCheck(rootfs, user, healthCheck, freePort())).as("health check, nothing listening")
                    .isNotZero();
        } finally {
            // The gateway first: unshare passes no signal on, and the gateway, the first process of its PID
            // namespace and no longer under unshare's parent-death signal once chroot changed its user, would
            // outlive it and keep its port.
            List<ProcessHandle> inside = gateway.toHandle().descendants().toList();
            inside.forEach(ProcessHandle::destroy);
            for (ProcessHandle p : inside) {
                try {
                    p.onExit().get(20, TimeUnit.SECONDS);
                } catch (TimeoutException e) {
                    p.destroyForcibly();
                }
            }
            gateway.destroy();
            if (!gateway.waitFor(20, TimeUnit.SECONDS)) {
                gateway.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    private static int runHealthCheck(Path rootfs, String user, List<String> test, int port) throws Exception {
        List<String> command = new ArrayList<>(List.of("chroot", "--userspec=" + user, rootfs.toString(),
                "/usr/bin/env", "-i", "PORT=" + port));
        command.addAll(test.subList(1, test.size()));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getInputStream().transferTo(OutputStream.nullOutputStream());
        assertThat(p.waitFor(10, TimeUnit.SECONDS)).as("health check ends").isTrue();
        return p.exitValue();
    }

    private static void run(List<String> command, int timeoutSeconds) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(timeoutSeconds, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("%s: %s", command, out).isZero();
    }

    /** Every entry's name (without "./" or "/"), to its content for the regular files {@code keep} names, else null. */
    private static Map<String, byte[]> readTar(InputStream in, Predicate<String> keep) throws IOException {
        Map<String, byte[]> files = new LinkedHashMap<>();
        try (TarArchiveInputStream tar = new TarArchiveInputStream(in)) {
            TarArchiveEntry e;
            while ((e = tar.getNextEntry()) != null) {
                String name = e.getName().replaceFirst("^\\./", "").replaceFirst("^/", "");
                files.put(name, e.isFile() && keep.test(name) ? tar.readAllBytes() : null);
            }
        }
        return files;
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** The final stage of the Dockerfile: the instructions the image config must match. */
    record Dockerfile(List<String> entrypoint, String expose, String user, String workdir,
                      String healthcheckOptions, List<String> healthcheck) {

        static Dockerfile read(Path file) throws IOException {
            // join continuation lines, drop comments, keep the last stage
            String text = Files.readString(file).replaceAll("\\\\\\n\\s*", "");
            List<String> lines = text.lines().map(String::strip)
                    .filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
            int from = 0;
            for (int i = 0; i < lines.size(); i++) {
                if (lines.get(i).startsWith("FROM ")) {
                    from = i;
                }
            }
            Map<String, String> last = new LinkedHashMap<>();
            for (String l : lines.subList(from, lines.size())) {
                int space = l.indexOf(' ');
                last.put(l.substring(0, space), l.substring(space + 1).strip());
            }
            Matcher health = Pattern.compile("^(.*?)\\s*CMD\\s+(\\[.*])$").matcher(last.get("HEALTHCHECK"));
            assertThat(health.matches()).as("HEALTHCHECK in exec form").isTrue();
            return new Dockerfile(strings(JSON.readTree(last.get("ENTRYPOINT"))), last.get("EXPOSE"), last.get("USER"),
                    last.get("WORKDIR"), health.group(1), strings(JSON.readTree(health.group(2))));
        }
    }
}
