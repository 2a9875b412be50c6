package io.agentgateway.testing;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** A real WebSocket client (java.net.http) that queues every text frame it receives, with its arrival time. */
public final class WsClient implements AutoCloseable {

    public static final Duration DEFAULT_WAIT = Duration.ofSeconds(10);
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    /** One received frame: parsed, when it came, and its text as it came. */
    public record Frame(JsonNode json, long nanos, String raw) {
        public String text(String field) {
            return json.path(field).asText();
        }

        public boolean isFinal() {
            return json.path("is_final").asBoolean(false);
        }
    }

    private final LinkedBlockingQueue<Frame> frames = new LinkedBlockingQueue<>();
    private final CompletableFuture<Integer> closed = new CompletableFuture<>();
    private final WebSocket socket;

    private WsClient(URI uri) {
        Listener listener = new Listener();
        this.socket = HTTP.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(5))
                .buildAsync(uri, listener).join();
    }

    /** Connects, or throws the handshake failure (see {@link #handshakeStatus}). */
    public static WsClient connect(URI uri) {
        return new WsClient(uri);
    }

    /** The HTTP status a refused handshake answered with, or -1 if the handshake succeeded. */
    public static int handshakeStatus(URI uri) {
        try {
            HTTP.newWebSocketBuilder().buildAsync(uri, new WebSocket.Listener() { }).join()
                    .sendClose(WebSocket.NORMAL_CLOSURE, "").join();
            return -1;
        } catch (CompletionException e) {
            if (e.getCause() instanceof java.net.http.WebSocketHandshakeException h) {
                return h.getResponse().statusCode();
            }
            throw e;
        }
    }

    public WsClient send(String text) {
        socket.sendText(text, true).join();
        return this;
    }

    public WsClient sendJson(Object... keyValues) {
        var node = MAPPER.createObjectNode();
        for (int i = 0; i < keyValues.length; i += 2) {
            node.set((String) keyValues[i], MAPPER.valueToTree(keyValues[i + 1]));
        }
        return send(node.toString());
    }

    public WsClient userMessage(String content) {
        return sendJson("type", "user_message", "content", content, "role", "user");
    }

    public WsClient sendBinary(byte[] data) {
        socket.sendBinary(ByteBuffer.wrap(data), true).join();
        return this;
    }

    /** The next frame, failing the test if none comes within the default wait. */
    public Frame next() {
        return next(DEFAULT_WAIT);
    }

    public Frame next(Duration wait) {
        try {
            Frame f = frames.poll(wait.toMillis(), TimeUnit.MILLISECONDS);
            if (f == null) {
                throw new AssertionError("no frame within " + wait);
            }
            return f;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** The first frame of this {@code type}, skipping those before it (each within the default wait). */
    public Frame nextOfType(String type) {
        Frame f;
        do {
            f = next();
        } while (!type.equals(f.text("type")));
        return f;
    }

    /** The next frame if one comes within {@code wait}, else null. */
    public Frame poll(Duration wait) throws InterruptedException {
        return frames.poll(wait.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Frames up to and including the first with {@code is_final: true}. */
    public List<Frame> untilFinal() {
        return untilFinal(DEFAULT_WAIT);
    }

    public List<Frame> untilFinal(Duration eachWait) {
        List<Frame> turn = new ArrayList<>();
        while (true) {
            Frame f = next(eachWait);
            turn.add(f);
            if (f.isFinal()) {
                return turn;
            }
        }
    }

    /** The tokens of a turn's frames, joined. */
    public static String joined(List<Frame> turn) {
        StringBuilder sb = new StringBuilder();
        turn.forEach(f -> sb.append(f.json().path("token").asText("")));
        return sb.toString();
    }

    /** The close code the server sent, once it has. */
    public CompletableFuture<Integer> closed() {
        return closed;
    }

    /** Drops the TCP connection without a close handshake, as a crashed client would. */
    public void abort() {
        socket.abort();
    }

    @Override
    public void close() {
        if (!socket.isOutputClosed()) {
            try {
                socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(5, TimeUnit.SECONDS);
            } catch (Exception e) {
                socket.abort();
            }
        }
    }

    private final class Listener implements WebSocket.Listener {
        private final StringBuilder partial = new StringBuilder();

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                String text = partial.toString();
                try {
                    frames.add(new Frame(MAPPER.readTree(text), System.nanoTime(), text));
                } catch (Exception e) {
                    frames.add(new Frame(MAPPER.createObjectNode().put("unparseable", text), System.nanoTime(), text));
                }
                partial.setLength(0);
            }
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
            closed.complete(statusCode);
            return null;
        }

        @Override
        public void onError(WebSocket ws, Throwable error) {
            closed.complete(-1);
        }
    }
}
