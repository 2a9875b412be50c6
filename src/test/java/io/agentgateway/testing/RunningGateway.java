package io.agentgateway.testing;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import io.agentgateway.App;
import io.agentgateway.Launch;
import org.apache.camel.CamelContext;
import org.apache.camel.main.Main;

/**
 * The real application, started in this JVM on a free loopback port with the repository's
 * application.properties and routes/*.yaml, plus the given overrides.
 */
public final class RunningGateway implements AutoCloseable {

    private final Main main;
    private final int port;
    private final HttpClient http = HttpClient.newHttpClient();

    private RunningGateway(Main main, int port) {
        this.main = main;
        this.port = port;
    }

    public static Builder builder() {
        return new Builder();
    }

    public static final class Builder {
        private final Map<String, String> properties = new LinkedHashMap<>();
        private Path workDir = Path.of("").toAbsolutePath();

        /** application.properties and routes/ from this directory instead of the repository's (an operator's edits). */
        public Builder workDir(Path dir) {
            workDir = dir.toAbsolutePath();
            return this;
        }

        public Builder agentUrl(String url) {
            return property("gateway.agent.url", url);
        }

        /** Sessions, limits and queues in this Redis. */
        public Builder redis(RedisFixture redis) {
            return property("redis.host", "127.0.0.1").property("redis.port", Integer.toString(redis.port()));
        }

        public Builder property(String key, String value) {
            properties.put(key, value);
            return this;
        }

        public RunningGateway start() throws Exception {
            int port = freePort();
            Main main = new Main(App.class);
            Launch.configure(main, workDir);
            main.addOverrideProperty("gateway.http.host", "127.0.0.1");
            main.addOverrideProperty("gateway.http.port", Integer.toString(port));
            main.addOverrideProperty("gateway.demo-agent.word-delay-ms", "20");
            properties.forEach(main::addOverrideProperty);
            main.start();
            return new RunningGateway(main, port);
        }
    }

    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        }
    }

    public int port() {
        return port;
    }

    public CamelContext context() {
        return main.getCamelContext();
    }

    public URI ws(String pathAndQuery) {
        return URI.create("ws://127.0.0.1:" + port + pathAndQuery);
    }

    public URI url(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    public HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(url(path)).timeout(Duration.ofSeconds(10)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    public WsClient connect(String pathAndQuery) {
        return WsClient.connect(ws(pathAndQuery));
    }

    @Override
    public void close() {
        main.stop();
    }
}
