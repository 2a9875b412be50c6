package io.agentgateway.http;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;

import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.Processor;
import org.apache.camel.builder.RouteBuilder;

/**
 * The browser client: {@code GET /} serves {@code public/index.html} from the classpath, and {@code /app.js} and
 * {@code /app.css} its script and style. Each file has an exact-path route of its own, so nothing else on the
 * shared router ({@code /health}, {@code /ws...}, {@code /tool/...}, {@code /demo/...}) can be swallowed. The
 * files are read once, at start-up, and a missing one stops start-up.
 */
public class BrowserClientRoutes extends RouteBuilder {

    static final String HTML = "text/html; charset=utf-8";
    static final String JAVASCRIPT = "text/javascript; charset=utf-8";
    static final String CSS = "text/css; charset=utf-8";

    /**
     * Only the gateway's own files run and load; the page talks to the gateway's own WebSockets
     * ({@code ws:}/{@code wss:} spelled out because older browsers do not count them as {@code 'self'}).
     */
    static final String CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; "
            + "img-src 'self' data:; connect-src 'self' ws: wss:; base-uri 'none'; form-action 'none'; "
            + "frame-ancestors 'none'";

    @Override
    public void configure() {
        serve("/", "browser-client-page", "index.html", HTML);
        serve("/app.js", "browser-client-script", "app.js", JAVASCRIPT);
        serve("/app.css", "browser-client-style", "app.css", CSS);
    }

    private void serve(String path, String routeId, String file, String contentType) {
        byte[] content = read("public/" + file);
        // error policy "http-errors" by its id (config/ErrorHandling): a failure answers a JSON 500
        from("platform-http:" + path + "?httpMethodRestrict=GET")
                .routeId(routeId)
                .process(new StaticFile(content, contentType));
    }

    private static byte[] read(String resource) {
        try (InputStream in = BrowserClientRoutes.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("Browser client file missing from the classpath: " + resource);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + resource, e);
        }
    }

    /** Answers with one file's bytes. */
    private record StaticFile(byte[] content, String contentType) implements Processor {

        @Override
        public void process(Exchange exchange) {
            Message m = exchange.getMessage();
            // platform-http would otherwise echo the request's headers back as response headers
            m.getHeaders().clear();
            m.setHeader(Exchange.HTTP_RESPONSE_CODE, 200);
            m.setHeader(Exchange.CONTENT_TYPE, contentType);
            // No Cache-Control: platform-http's header filter drops it. With no Last-Modified or ETag either, browsers
            // do not cache the files heuristically, so a new release is picked up on the next load.
            m.getHeaders().putAll(Map.of(
                    "X-Content-Type-Options", "nosniff",
                    "Referrer-Policy", "no-referrer",
                    "Content-Security-Policy", CONTENT_SECURITY_POLICY));
            m.setBody(content);
        }
    }
}
