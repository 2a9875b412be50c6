package io.agentgateway;

import java.nio.file.Files;
import java.nio.file.Path;

import org.apache.camel.main.MainSupport;

/**
 * Where the operator-edited files are read from: the working directory when it has them (the repository root,
 * a container's work dir), otherwise the copies packaged in the jar. Reading both would load every YAML route
 * twice, so exactly one source is chosen for each.
 */
public final class ConfigLocations {

    private ConfigLocations() {
    }

    public static void apply(MainSupport main) {
        apply(main, Path.of(""));
    }

    public static void apply(MainSupport main, Path workDir) {
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
