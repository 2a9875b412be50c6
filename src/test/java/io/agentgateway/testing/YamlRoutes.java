package io.agentgateway.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;

import org.apache.camel.CamelContext;
import org.apache.camel.support.PluginHelper;
import org.apache.camel.support.ResourceHelper;

/** Loads the repository's routes/*.yaml into a test's CamelContext, with the properties they refer to. */
public final class YamlRoutes {

    private YamlRoutes() {
    }

    /** Properties every YAML edge refers to, at harmless values; a test overrides what it checks. */
    public static Properties defaults(Map<String, String> overrides) {
        Properties p = new Properties();
        p.put("redis.host", "");
        p.put("redis.port", "6379");
        p.put("gateway.queue.prefix", "gateway:");
        p.put("gateway.instance-id", "test-instance");
        p.put("gateway.agent.url", "");
        p.put("gateway.agent.endpoint", "http://127.0.0.1:9/v1/chat/completions");
        p.put("gateway.agent.timeout-ms", "1000");
        p.put("gateway.agent.max-streams", "1000");
        p.put("gateway.demo-agent.path", "/demo/v1/chat/completions");
        p.put("gateway.demo-worker.enabled", "auto");
        p.put("gateway.demo-worker.delay-ms", "0");
        p.putAll(overrides);
        return p;
    }

    /**
     * Copies the files operators edit, application.properties and routes/, into {@code dir}, for a test to change
     * them as an operator would and run a gateway there; returns the copy's routes directory.
     */
    public static Path copyOperatorFiles(Path dir) throws IOException {
        Files.copy(Path.of("application.properties"), dir.resolve("application.properties"));
        Path routes = Files.createDirectory(dir.resolve("routes"));
        try (Stream<Path> files = Files.list(Path.of("routes"))) {
            for (Path f : files.toList()) {
                Files.copy(f, routes.resolve(f.getFileName()));
            }
        }
        return routes;
    }

    public static void load(CamelContext context, String... files) throws Exception {
        for (String file : files) {
            PluginHelper.getRoutesLoader(context)
                    .loadRoutes(ResourceHelper.resolveMandatoryResource(context, "file:routes/" + file));
        }
    }
}
