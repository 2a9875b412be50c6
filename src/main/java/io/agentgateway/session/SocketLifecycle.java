package io.agentgateway.session;

import java.util.List;

import io.agentgateway.common.ClientSocket;
import io.agentgateway.common.GatewayHeaders;
import org.apache.camel.Exchange;
import org.apache.camel.Handler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** What a chat socket's OPEN and CLOSE mean for its session: the session-open and session-close steps. */
public class SocketLifecycle {

    /** Close code sent to a socket whose session was taken over by a newer connection. */
    public static final short SESSION_TAKEN_OVER = 4000;

    private static final Logger LOG = LoggerFactory.getLogger(SocketLifecycle.class);

    private final SessionRegistry sessions;
    private final List<SessionListener> listeners;

    public SocketLifecycle(SessionRegistry sessions, List<SessionListener> listeners) {
        this.sessions = sessions;
        this.listeners = List.copyOf(listeners);
    }

    @Handler
    public void open(Exchange exchange) {
        ClientSocket socket = exchange.getProperty(GatewayHeaders.SOCKET, ClientSocket.class);
        sessions.register(socket).ifPresent(older -> {
            LOG.info("Session {} taken over by connection {}", socket.sessionId(), socket.connectionKey());
            release(older, false);
            older.close(SESSION_TAKEN_OVER, "session taken over by a newer connection");
        });
        LOG.debug("Socket {} opened for session {}", socket.connectionKey(), socket.sessionId());
    }

    @Handler
    public void close(Exchange exchange) {
        ClientSocket socket = exchange.getProperty(GatewayHeaders.SOCKET, ClientSocket.class);
        release(socket, sessions.unregister(socket));
        LOG.debug("Socket {} of session {} closed", socket.connectionKey(), socket.sessionId());
    }

    private void release(ClientSocket socket, boolean sessionEnded) {
        for (SessionListener listener : listeners) {
            listener.socketReleased(socket, sessionEnded);
        }
    }
}
