package io.agentgateway.testing;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.sun.net.httpserver.HttpServer;

/** A real HTTP server on loopback serving a JWKS that a test can rotate; counts the fetches. */
public final class JwksServer implements AutoCloseable {

    private final HttpServer server;
    private final AtomicReference<JWKSet> keys = new AtomicReference<>(new JWKSet());
    private final AtomicInteger fetches = new AtomicInteger();
    private final CountDownLatch arrived = new CountDownLatch(1);
    private volatile CountDownLatch hold;

    public JwksServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/jwks.json", exchange -> {
            fetches.incrementAndGet();
            CountDownLatch gate = hold;
            if (gate != null) {
                arrived.countDown();
                try {
                    gate.await(20, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            // only the public halves are ever published
            byte[] body = keys.get().toString(true).getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
    }

    /** Publishes exactly these keys from now on. */
    public JwksServer serve(JWK... jwks) {
        keys.set(new JWKSet(List.of(jwks)));
        return this;
    }

    /** Fetches from now on wait until {@code gate} opens; {@link #awaitHeldFetch} tells when one is waiting. */
    public JwksServer holdFetchesUntil(CountDownLatch gate) {
        hold = gate;
        return this;
    }

    public boolean awaitHeldFetch() throws InterruptedException {
        return arrived.await(10, TimeUnit.SECONDS);
    }

    public int fetches() {
        return fetches.get();
    }

    public URL url() {
        try {
            return new URL("http://127.0.0.1:" + server.getAddress().getPort() + "/jwks.json");
        } catch (java.net.MalformedURLException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
