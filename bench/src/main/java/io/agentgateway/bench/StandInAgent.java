package io.agentgateway.bench;

import java.time.Instant;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;

/**
 * The benchmark's agent, a process of its own: an OpenAI-compatible streaming endpoint. The last user message
 * says what to stream, {@code "bench <tokens> <tokens per second>"} (0 = as fast as the reader takes them). Every
 * chunk's content is one token, {@code "<index>:<send time in epoch microseconds> "}: the load client checks the
 * indexes (every token, once, in order) and measures each token's delay from its stamp, however the relay groups
 * tokens into frames.
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
                        fast(r, 0, tokens);
                    } else {
                        paced(vertx, r, tokens, rate);
                    }
                }))
                .listen(port, "127.0.0.1")
                .onSuccess(s -> System.out.println("agent ready on " + s.actualPort()))
                .onFailure(e -> {
                    e.printStackTrace();
                    System.exit(1);
                });
    }

    /** The SSE chunk of token {@code index}. */
    static String chunk(int index) {
        Instant now = Instant.now();
        long micros = now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
        return "data: {\"choices\":[{\"delta\":{\"content\":\"" + index + ":" + micros + " \"}}]}\n\n";
    }

    /** As fast as the reader takes them: write until the socket's queue is full, continue when it drains. */
    private static void fast(HttpServerResponse r, int next, int tokens) {
        int i = next;
        while (i < tokens && !r.writeQueueFull()) {
            r.write(chunk(i++));
        }
        if (i == tokens) {
            r.end("data: [DONE]\n\n");
        } else {
            int from = i;
            r.drainHandler(v -> fast(r, from, tokens));
        }
    }

    /**
     * At {@code rate} tokens a second, whatever the reader does: tokens a slow relay does not take wait here (the
     * stand-in plays an agent that does not slow down for its reader).
     */
    private static void paced(Vertx vertx, HttpServerResponse r, int tokens, double rate) {
        int[] sent = {0};
        vertx.setPeriodic(Math.max(1, Math.round(1000 / rate)), id -> {
            if (r.closed()) {
                vertx.cancelTimer(id);
                return;
            }
            r.write(chunk(sent[0]++));
            if (sent[0] == tokens) {
                vertx.cancelTimer(id);
                r.end("data: [DONE]\n\n");
            }
        });
    }

    private StandInAgent() {
    }

}
