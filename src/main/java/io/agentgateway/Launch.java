package io.agentgateway;

import java.nio.file.Files;
import java.nio.file.Path;

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
                : "classpath:routes/*.yaml");
    }
}
