package io.agentgateway.bench;

import java.time.Instant;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;

/**
 * The benchmark's agent, a process of its own: an OpenAI-compatible streaming endpoint. The last user message
 * says what to stream, {@code "bench <tokens> <tokens per second>"} (0 = as fast as the reader takes them); every
 * chunk's content is its send time in epoch microseconds, so the load client can measure each token's delay.
 */
public final class StandInAgent {

    public static void main(String[] args) {
        int port = Integer.parseInt(args[0]);
        Vertx vertx = Vertx.vertx();
        vertx.createHttpServer(new HttpServerOptions().setAcceptBacklog(8192).setTcpNoDelay(true))
                .requestHandler(req -> req.body().onSuccess(buf -> {
                    JsonArray messages = buf.toJsonObject().getJsonArray("messages");
                    String[] ask = messages.getJsonObject(messages.size() - 1).getString("content").split(" ");
                    int tokens = Integer.parseInt(ask[1]);
                    double rate = Double.parseDouble(ask[2]);
                    HttpServerResponse r = req.response().setChunked(true)
                            .putHeader("Content-Type", "text/event-stream");
                    if (rate <= 0) {
                        fast(r, tokens);
                    } else {
                        paced(vertx, r, tokens, Math.max(1, Math.round(1000 / rate)));
                    }
                }))
                .listen(port, "127.0.0.1")
                .onSuccess(s -> System.out.println("agent ready on " + s.actualPort()))
                .onFailure(e -> {
                    e.printStackTrace();
                    System.exit(1);
                });
    }

    static String chunk() {
        Instant now = Instant.now();
        long micros = now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
        return "data: {\"choices\":[{\"delta\":{\"content\":\"" + micros + " \"}}]}\n\n";
    }

    /** As fast as the reader takes them: write until the socket's queue is full, continue when it drains. */
    private static void fast(HttpServerResponse r, int remaining) {
        int left = remaining;
        while (left > 0 && !r.writeQueueFull()) {
            r.write(chunk());
            left--;
        }
        if (left == 0) {
            r.end("data: [DONE]\n\n");
        } else {
            int rest = left;
            r.drainHandler(v -> fast(r, rest));
        }
    }

    private static void paced(Vertx vertx, HttpServerResponse r, int tokens, long intervalMs) {
        int[] sent = {0};
        vertx.setPeriodic(intervalMs, id -> {
            if (r.closed()) {
                vertx.cancelTimer(id);
                return;
            }
            r.write(chunk());
            if (++sent[0] == tokens) {
                vertx.cancelTimer(id);
                r.end("data: [DONE]\n\n");
            }
        });
    }

    private StandInAgent() {
    }

}
