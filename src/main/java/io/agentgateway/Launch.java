package io.agentgateway;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.jar.JarFile;
import java.util.stream.Collectors;
import java.util.zip.ZipEntry;

import io.agentgateway.chat.ChatRoutes;
import io.agentgateway.config.ErrorHandling;
import io.agentgateway.config.GatewayConfiguration;
import io.agentgateway.http.BrowserClientRoutes;
import io.agentgateway.http.DocumentRoutes;
import io.agentgateway.http.MetricsRoutes;
import io.agentgateway.http.RestApiRoutes;
import io.agentgateway.judgement.JudgementRoutes;
import io.agentgateway.queue.QueueRoutes;
import io.agentgateway.session.SessionRoutes;
import io.agentgateway.tool.ToolRoutes;
import io.agentgateway.ws.WebsocketRoutes;
import org.apache.camel.main.MainSupport;

/**
 * How a Camel Main becomes the gateway; used by {@link App} and by the tests, so both start the same thing.
 */
public final class Launch {

    private Launch() {
    }

    public static void configure(MainSupport main) {
        configure(main, Path.of(""));
    }

    public static void configure(MainSupport main, Path workDir) {
        // The wiring and the Java routes are named here rather than found by package scan: scanning the shaded
        // jar cost about 1.4 s of a 3.4 s start-up (docs/benchmarks.md), and a scan also picks up test classes.
        main.configure().withBasePackageScanEnabled(false);
        main.configure().addConfiguration(GatewayConfiguration.class);
        // RestApiRoutes first: its REST configuration applies to the REST verbs of the builders after it.
        main.configure().addRoutesBuilder(ErrorHandling.class, RestApiRoutes.class, WebsocketRoutes.class,
                SessionRoutes.class, ChatRoutes.class, ToolRoutes.class, JudgementRoutes.class, QueueRoutes.class,
                DocumentRoutes.class, BrowserClientRoutes.class, MetricsRoutes.class);

        // The operator-edited files: the working directory's when it has them (the repository root, a
        // container's work dir), otherwise the copies packaged in the jar. Reading both would load every YAML
        // route twice, so exactly one source is chosen for each.
        Path properties = workDir.resolve("application.properties");
        main.setPropertyPlaceholderLocations(Files.isRegularFile(properties)
                ? "file:" + properties.toAbsolutePath()
                : "classpath:application.properties");
        Path routes = workDir.resolve("routes");
        main.configure().withRoutesIncludePattern(Files.isDirectory(routes)
                ? "file:" + routes.toAbsolutePath() + "/*.yaml"
                : packagedRoutes(codeSource()));
    }

    /**
     * The route files packaged in the jar, each named. Given {@code classpath:routes/*.yaml}, Camel finds them by
     * reading the whole jar through a JarInputStream, every entry inflated: about 1.2 s of start-up (3.7 s on a busy
     * machine) for this 37 MB jar, where the jar's central directory lists them at once. Run from a directory of
     * classes (tests, an IDE), the pattern stays: scanning a directory is cheap.
     *
     * @param jar where the gateway's classes come from
     */
    static String packagedRoutes(Path jar) {
        if (jar != null && Files.isRegularFile(jar)) {
            try (JarFile file = new JarFile(jar.toFile())) {
                String named = file.stream().map(ZipEntry::getName)
                        .filter(n -> n.startsWith("routes/") && n.endsWith(".yaml")
                                && n.indexOf('/', "routes/".length()) < 0)
                        .sorted()
                        .map(n -> "classpath:" + n)
                        .collect(Collectors.joining(","));
                if (!named.isEmpty()) {
                    return named;
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot list the routes packaged in " + jar, e);
            }
        }
        return "classpath:routes/*.yaml";
    }

    private static Path codeSource() {
        CodeSource source = Launch.class.getProtectionDomain().getCodeSource();
        try {
            return source == null ? null : Path.of(source.getLocation().toURI());
        } catch (URISyntaxException | IllegalArgumentException e) {
            return null; // not a file (a nested or custom class loader): let Camel find them
        }
    }
}
