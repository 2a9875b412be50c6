package io.agentgateway.common;

/** A client's open WebSocket on this gateway instance, as the routes see it. */
public interface ClientSocket {

    /** Unique per connection. */
    String connectionKey();

    /** The session the socket serves ({@code /ws/{session_id}}); the connection key on {@code /ws}. */
    String sessionId();

    /** Queues a text frame; never blocks. Returns false when the socket is closed. */
    boolean send(String text);

    /** Closes with a WebSocket close code; never blocks. */
    void close(short code, String reason);

    boolean isOpen();

    /** The next number of this socket's {@code seq} sequence (frames of answers). */
    long nextSeq();
}
