package io.agentgateway.config;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import io.agentgateway.testing.GatewayProcess;
import io.agentgateway.testing.RedisFixture;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What a start loads, from the JVM's own class-loading log of a real gateway process. The Redis client is loaded
 * only when Redis is configured: a gateway without REDIS_HOST loads not one class of Spring Data Redis, Jedis or
 * commons-pool (about 800 classes of start-up time otherwise), nor the gateway's own Redis implementations, and one
 * with it does. The OpenAPI document (swagger)
 * is built on its first request, not at start-up.
 */
class StartupClassesIT {

    /** A class-load line of -Xlog:class+load: "[0.123s][info][class,load] a.b.C source: ..." */
    private static final Pattern LOADED = Pattern.compile("\\[class,load\\] (\\S+) ");
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    /** swagger-core, which camel-openapi-java renders the document with */
    private static final String SWAGGER = "io.swagger.";
    private static final List<String> REDIS_PACKAGES = List.of(
            "org.springframework.data.redis.", "redis.clients.", "org.apache.commons.pool2.");
    /** the gateway's own classes that only Redis needs: every one named for it, and two that are not */
    private static final Set<String> GATEWAY_REDIS_CLASSES = gatewayRedisClasses();

    @Test
    void withoutRedisNoRedisClientClassIsLoaded() throws Exception {
        List<String> loaded = classesLoadedBy("no-redis", Map.of(), "/health", "/openapi.json");

        assertThat(loaded).as("the log lists the gateway's own classes").contains("io.agentgateway.App");
        assertThat(loaded).filteredOn(StartupClassesIT::isRedisClient).isEmpty();
        assertThat(GATEWAY_REDIS_CLASSES).as("found in src/main/java").hasSizeGreaterThan(10);
        assertThat(loaded).filteredOn(c -> GATEWAY_REDIS_CLASSES.contains(c.replaceFirst("\\$.*", ""))).isEmpty();
    }

    @Test
    void withRedisTheRedisClientIsLoaded() throws Exception {
        try (RedisFixture redis = RedisFixture.started()) {
            List<String> loaded = classesLoadedBy("redis",
                    Map.of("REDIS_HOST", "127.0.0.1", "REDIS_PORT", Integer.toString(redis.port())), "/health");

            for (String pkg : REDIS_PACKAGES) {
                assertThat(loaded).as("classes of " + pkg).anyMatch(c -> c.startsWith(pkg));
            }
            assertThat(loaded).contains("io.agentgateway.config.RedisSharing", "io.agentgateway.queue.JobListExpiry");
        }
    }

    @Test
    void theOpenApiDocumentIsBuiltOnItsFirstRequest() throws Exception {
        assertThat(classesLoadedBy("before-openapi", Map.of(), "/health"))
                .noneMatch(c -> c.startsWith(SWAGGER));
        assertThat(classesLoadedBy("openapi", Map.of(), "/health", "/openapi.json"))
                .anyMatch(c -> c.startsWith(SWAGGER));
    }

    /** Starts a gateway, GETs these paths (each must answer 200), stops it. */
    private static List<String> classesLoadedBy(String name, Map<String, String> env, String... paths)
            throws Exception {
        Path log = Files.createTempFile("gateway-classes-" + name, ".log");
        try {
            try (GatewayProcess gateway = GatewayProcess.launch("classes-" + name, env,
                    List.of("-Xlog:class+load=info:file=" + log)).awaitHealthy()) {
                for (String path : paths) {
                    get(gateway, path);
                }
            } // stopped: the JVM has closed its log
            List<String> loaded = Files.readAllLines(log).stream()
                    .map(LOADED::matcher).filter(Matcher::find).map(m -> m.group(1)).toList();
            assertThat(loaded).as("classes in " + log).hasSizeGreaterThan(1000);
            return loaded;
        } finally {
            Files.deleteIfExists(log);
        }
    }

    private static void get(GatewayProcess gateway, String path) throws Exception {
        HttpResponse<Void> response = HTTP.send(HttpRequest.newBuilder(gateway.url(path)).GET().build(),
                HttpResponse.BodyHandlers.discarding());
        assertThat(response.statusCode()).as(path).isEqualTo(200);
    }

    private static Set<String> gatewayRedisClasses() {
        Path sources = Path.of("src", "main", "java");
        try (Stream<Path> files = Files.walk(sources)) {
            Set<String> names = files.map(f -> sources.relativize(f).toString())
                    .filter(f -> f.matches(".*(Redis|Jedis)[^/]*\\.java"))
                    .map(f -> f.replace(".java", "").replace('/', '.'))
                    .collect(Collectors.toCollection(HashSet::new));
            names.add("io.agentgateway.config.WatchedListenerContainer");
            names.add("io.agentgateway.queue.JobListExpiry");
            return names;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static boolean isRedisClient(String className) {
        return REDIS_PACKAGES.stream().anyMatch(className::startsWith);
    }
}
