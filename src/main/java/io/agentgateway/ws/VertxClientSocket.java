package io.agentgateway.ws;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;

import io.agentgateway.common.ClientSocket;
import io.agentgateway.common.GatewayMetrics;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.http.WebSocketFrameType;
import io.vertx.core.http.impl.ws.WebSocketFrameImpl;

/** A {@link ClientSocket} over a Vert.x server WebSocket. Writes are queued to the socket's event loop. */
public final class VertxClientSocket implements ClientSocket {

    /** Vert.x's default largest WebSocket frame: a size every client takes in one frame. */
    static final int ONE_FRAME_AT_MOST = HttpServerOptions.DEFAULT_MAX_WEBSOCKET_FRAME_SIZE;

    private final ServerWebSocket socket;
    private final String connectionKey;
    private final String sessionId;
    private final Executor eventLoop;
    /** The thread of the socket's event loop; null when not made on one (tests) */
    private final Thread loopThread;
    private final GatewayMetrics metrics;

    /** Made on the socket's event loop (its OPEN), whose context it keeps for {@link #eventLoop()}. */
    public VertxClientSocket(ServerWebSocket socket, String connectionKey, String sessionId, GatewayMetrics metrics) {
        this.socket = socket;
        this.connectionKey = connectionKey;
        this.sessionId = sessionId;
        this.metrics = metrics;
        Context context = Vertx.currentContext();
        boolean onLoop = context != null && context.isEventLoopContext();
        this.eventLoop = onLoop ? task -> context.runOnContext(v -> task.run()) : Runnable::run;
        this.loopThread = onLoop ? Thread.currentThread() : null;
    }

    @Override
    public Executor eventLoop() {
        return eventLoop;
    }

    @Override
    public String connectionKey() {
        return connectionKey;
    }

    @Override
    public String sessionId() {
        return sessionId;
    }

    @Override
    public boolean send(String text) {
        return write(() -> socket.writeTextMessage(text));
    }

    /**
     * One frame straight from the bytes, up to {@link #ONE_FRAME_AT_MOST}; a longer message goes as text, which Vert.x
     * cuts into frames of the server's largest frame size.
     */
    @Override
    public boolean sendUtf8(byte[] utf8) {
        if (utf8.length > ONE_FRAME_AT_MOST) {
            return send(new String(utf8, StandardCharsets.UTF_8));
        }
        return write(() -> socket.writeFrame(new WebSocketFrameImpl(WebSocketFrameType.TEXT, utf8, true)));
    }

    /** False when the socket is closed, before or while writing. */
    private boolean write(Runnable write) {
        if (socket.isClosed()) {
            return false;
        }
        if (loopThread != null && Thread.currentThread() != loopThread) {
            metrics.frameHandedOver(); // Vert.x queues the write to the loop: a hand-over per frame written so
        }
        try {
            write.run();
            return true;
        } catch (IllegalStateException closedMeanwhile) {
            return false;
        }
    }

    @Override
    public void close(short code, String reason) {
        if (!socket.isClosed()) {
            socket.close(code, reason);
        }
    }

    @Override
    public boolean isOpen() {
        return !socket.isClosed();
    }

    @Override
    public boolean writable() {
        return !socket.isClosed() && !socket.writeQueueFull();
    }

    @Override
    public void onWritable(Runnable then) {
        AtomicBoolean ran = new AtomicBoolean();
        Runnable once = () -> {
            if (ran.compareAndSet(false, true)) {
                then.run();
            }
        };
        socket.drainHandler(v -> once.run());
        if (!socket.writeQueueFull()) {
            once.run(); // drained before the handler was in place: it would not be called
        }
    }
}
