package io.agentgateway.session;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import io.agentgateway.common.ClientSocket;

/** A client socket for session-stream tests: records what is sent; writable or full, as the test says. */
final class RecordingSocket implements ClientSocket {
    final List<String> sent = Collections.synchronizedList(new ArrayList<>());
    private final String sessionId;
    volatile boolean writable = true;
    private Runnable onWritable;

    RecordingSocket(String sessionId) {
        this.sessionId = sessionId;
    }

    @Override
    public String connectionKey() {
        return sessionId + "-" + System.identityHashCode(this);
    }

    @Override
    public String sessionId() {
        return sessionId;
    }

    @Override
    public boolean send(String text) {
        sent.add(text);
        return true;
    }

    @Override
    public void close(short code, String reason) {
    }

    @Override
    public boolean isOpen() {
        return true;
    }

    @Override
    public boolean writable() {
        return writable;
    }

    @Override
    public void onWritable(Runnable then) {
        onWritable = then;
    }

    /** The client read everything: the socket is writable again and says so. */
    void drain() {
        writable = true;
        Runnable then = onWritable;
        onWritable = null;
        then.run();
    }
}
