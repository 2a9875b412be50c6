package io.agentgateway.testing;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;

/**
 * A stand-in agent: a real HTTP server on loopback that streams its answer in the format and at the pace a
 * test scripts, and records what it was sent and when the gateway hung up on it.
 */
public final class StandInAgent implements AutoCloseable {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    /** What was sent to the agent. */
    public record Request(String method, String uri, MultiMap headers, JsonNode body) {
        public String lastUserMessage() {
            JsonNode messages = body.path("messages");
            return messages.get(messages.size() - 1).path("content").asText();
        }
    }

    /** How the agent answers one request. */
    @FunctionalInterface
    public interface Script {
        void answer(Request request, HttpServerResponse response, Vertx vertx);
    }

    private final Vertx vertx = Vertx.vertx();
    private final HttpServer server;
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    /** nanoTime at which the gateway closed a connection whose answer had not ended. */
    private final LinkedBlockingQueue<Long> hangUps = new LinkedBlockingQueue<>();
    private volatile Script script = openAi(List.of("Hello", " world"), Duration.ZERO);

    public StandInAgent() throws Exception {
        server = vertx.createHttpServer().requestHandler(this::handle);
        server.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    public String url() {
        return "http://127.0.0.1:" + server.actualPort() + "/v1/chat/completions";
    }

    public StandInAgent script(Script s) {
        this.script = s;
        return this;
    }

    public List<Request> requests() {
        return requests;
    }

    /** Waits for the gateway to drop an unfinished answer; returns the nanoTime it happened, or null. */
    public Long awaitHangUp(Duration wait) throws InterruptedException {
        return hangUps.poll(wait.toMillis(), TimeUnit.MILLISECONDS);
    }

    public int hangUpCount() {
        return hangUps.size();
    }

    private void handle(HttpServerRequest req) {
        req.body().onSuccess(buf -> {
            JsonNode body;
            try {
                body = MAPPER.readTree(buf.toString());
            } catch (Exception e) {
                body = MAPPER.createObjectNode();
            }
            Request r = new Request(req.method().name(), req.uri(), req.headers(), body);
            requests.add(r);
            HttpServerResponse response = req.response();
            response.closeHandler(v -> {
                if (!response.ended()) {
                    hangUps.add(System.nanoTime());
                }
            });
            script.answer(r, response, vertx);
        });
    }

    // --- scripts -------------------------------------------------------------------------------

    /** OpenAI-compatible chat-completions SSE: a role chunk, the tokens {@code gap} apart, then [DONE]. */
    public static Script openAi(List<String> tokens, Duration gap) {
        return stream("text/event-stream", tokens, gap,
                t -> "data: {\"id\":\"x\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,"
                     + "\"delta\":{\"content\":" + json(t) + "}}]}\n\n",
                "data: {\"id\":\"x\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\"}}]}\n\n",
                "data: {\"id\":\"x\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n");
    }

    /** Plain SSE with {"token": ...} objects, ending when the body ends. */
    public static Script plainSse(List<String> tokens, Duration gap) {
        return stream("text/event-stream", tokens, gap, t -> "event: token\ndata: {\"token\":" + json(t) + "}\n\n",
                ": plain sse\n\n", "");
    }

    /** NDJSON: one {"token": ...} per line. */
    public static Script ndjson(List<String> tokens, Duration gap) {
        return stream("application/x-ndjson", tokens, gap, t -> "{\"token\":" + json(t) + "}\n", "", "");
    }

    /** Echoes the last user message back in OpenAI SSE, one word a chunk. */
    public static Script echo(Duration gap) {
        return (r, response, vertx) -> openAi(words(r.lastUserMessage()), gap).answer(r, response, vertx);
    }

    /** Tokens "t0 ", "t1 ", ... every {@code gap}, never ending until the connection is closed. */
    public static Script endless(Duration gap) {
        return (r, response, vertx) -> {
            response.setChunked(true).putHeader("Content-Type", "text/event-stream");
            response.write(": start\n\n");
            long[] n = {0};
            vertx.setPeriodic(gap.toMillis(), id -> {
                if (response.closed()) {
                    vertx.cancelTimer(id);
                    return;
                }
                response.write("data: {\"choices\":[{\"delta\":{\"content\":\"t" + (n[0]++) + " \"}}]}\n\n");
            });
        };
    }

    /**
     * NDJSON tokens of {@code tokenChars} characters as fast as the gateway takes them, up to {@code totalBytes}; it
     * writes only while its connection can take more (as a real server under TCP back-pressure), and counts what it
     * managed to send in {@code written}.
     */
    public static Script firehose(long totalBytes, int tokenChars, java.util.concurrent.atomic.AtomicLong written) {
        String line = "{\"token\":\"" + "x".repeat(tokenChars) + "\"}\n";
        return (r, response, vertx) -> {
            response.setChunked(true).putHeader("Content-Type", "application/x-ndjson");
            Runnable[] pump = new Runnable[1];
            pump[0] = () -> {
                while (!response.closed() && !response.writeQueueFull() && written.get() < totalBytes) {
                    response.write(line);
                    written.addAndGet(line.length());
                }
                if (response.closed()) {
                    return;
                }
                if (written.get() >= totalBytes) {
                    response.end();
                } else {
                    response.drainHandler(v -> pump[0].run());
                }
            };
            pump[0].run();
        };
    }

    public static Script status(int code) {
        return (r, response, vertx) -> response.setStatusCode(code).end("{\"error\":\"stand-in failure\"}");
    }

    /** Accepts the request and never answers. */
    public static Script hangBeforeHeaders() {
        return (r, response, vertx) -> { };
    }

    /** Sends these tokens, then goes silent without ending the body. */
    public static Script hangAfter(List<String> tokens) {
        return (r, response, vertx) -> {
            response.setChunked(true).putHeader("Content-Type", "text/event-stream");
            tokens.forEach(t -> response.write("data: {\"token\":" + json(t) + "}\n\n"));
        };
    }

    /** A fixed body, for malformed streams. */
    public static Script raw(String contentType, String body) {
        return (r, response, vertx) -> response.putHeader("Content-Type", contentType).end(body);
    }

    private static Script stream(String contentType, List<String> tokens, Duration gap, Function<String, String> frame,
                                 String head, String tail) {
        return (r, response, vertx) -> {
            response.setChunked(true).putHeader("Content-Type", contentType);
            if (!head.isEmpty()) {
                response.write(head);
            }
            sendFrom(0, tokens, gap, frame, tail, response, vertx);
        };
    }

    private static void sendFrom(int i, List<String> tokens, Duration gap, Function<String, String> frame, String tail,
                                 HttpServerResponse response, Vertx vertx) {
        if (response.closed()) {
            return;
        }
        if (i == tokens.size()) {
            response.end(tail);
            return;
        }
        response.write(frame.apply(tokens.get(i)));
        if (gap.isZero()) {
            sendFrom(i + 1, tokens, gap, frame, tail, response, vertx);
        } else {
            vertx.setTimer(gap.toMillis(), id -> sendFrom(i + 1, tokens, gap, frame, tail, response, vertx));
        }
    }

    public static List<String> words(String text) {
        List<String> out = new java.util.ArrayList<>();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\S+\\s*|\\s+").matcher(text);
        while (m.find()) {
            out.add(m.group());
        }
        return out;
    }

    /**
     * The OpenAI SSE events that carry {@code tokens}, one an event, in their shortest form (no role, no [DONE]): a
     * body, or part of one, written at once.
     */
    public static String openAiEvents(List<String> tokens) {
        StringBuilder body = new StringBuilder();
        for (String t : tokens) {
            body.append("data: {\"choices\":[{\"delta\":{\"content\":").append(json(t)).append("}}]}\n\n");
        }
        return body.toString();
    }

    public static String json(String s) {
        try {
            return MAPPER.writeValueAsString(s);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
}
