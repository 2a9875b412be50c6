package io.agentgateway.session;

import java.util.Optional;

import io.agentgateway.common.ClientSocket;

/**
 * Which socket holds which session. A session is held by one socket at a time: a client that reconnects with the
 * same session id takes the session over from its older socket.
 */
public interface SessionRegistry {

    /** Makes {@code socket} the holder of its session; returns the socket that held it before, if any. */
    Optional<ClientSocket> register(ClientSocket socket);

    /** Removes {@code socket}; returns false when its session is held by another socket by now. */
    boolean unregister(ClientSocket socket);

    Optional<ClientSocket> find(String sessionId);

    int size();
}
