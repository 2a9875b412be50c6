package io.agentgateway.common;

import java.util.concurrent.Executor;

/** A client's open WebSocket on this gateway instance, as the routes see it. */
public interface ClientSocket {

    /** Unique per connection. */
    String connectionKey();

    /** The session the socket serves ({@code /ws/{session_id}}); the connection key on {@code /ws}. */
    String sessionId();

    /** Queues a text frame; never blocks. Returns false when the socket is closed. */
    boolean send(String text);

    /**
     * Queues a text frame given as its UTF-8 bytes, which the caller no longer changes (a kept frame is sent as it
     * is kept, not encoded again). Returns false when the socket is closed.
     */
    default boolean sendUtf8(byte[] utf8) {
        return send(new String(utf8, java.nio.charset.StandardCharsets.UTF_8));
    }

    /** Closes with a WebSocket close code; never blocks. */
    void close(short code, String reason);

    boolean isOpen();

    /** False while the socket's outbound queue is full: the client is not reading as fast as frames come. */
    boolean writable();

    /** Runs {@code then} once, when the outbound queue has drained enough to take frames again. */
    void onWritable(Runnable then);

    /**
     * Runs tasks on the thread that writes this socket's frames (its event loop): work started there, such as an agent
     * call, sends its frames without a hand-over to another thread. Never blocks. By default, on the caller's thread.
     */
    default Executor eventLoop() {
        return Runnable::run;
    }
}
