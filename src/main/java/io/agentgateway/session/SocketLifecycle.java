package io.agentgateway.session;

import io.agentgateway.GatewayHeaders;
import io.agentgateway.stream.StreamRegistry;
import io.agentgateway.stream.Turn;
import io.agentgateway.tool.PendingToolCalls;
import io.agentgateway.ws.VertxClientSocket;
import io.vertx.core.http.ServerWebSocket;
import org.apache.camel.Exchange;
import org.apache.camel.Handler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** What a socket's OPEN and CLOSE mean for the session state. */
public class SocketLifecycle {

    /** Close code sent to a socket whose session was taken over by a newer connection. */
    public static final short SESSION_TAKEN_OVER = 4000;

    private static final Logger LOG = LoggerFactory.getLogger(SocketLifecycle.class);

    private final SessionRegistry sessions;
    private final StreamRegistry streams;
    private final ConversationHistory history;
    private final PendingToolCalls toolCalls;

    public SocketLifecycle(SessionRegistry sessions, StreamRegistry streams, ConversationHistory history,
                           PendingToolCalls toolCalls) {
        this.sessions = sessions;
        this.streams = streams;
        this.history = history;
        this.toolCalls = toolCalls;
    }

    @Handler
    public void open(Exchange exchange) {
        ServerWebSocket ws = exchange.getMessage().getBody(ServerWebSocket.class);
        String key = exchange.getMessage().getHeader(GatewayHeaders.CONNECTION_KEY, String.class);
        String sessionId = exchange.getMessage().getHeader(GatewayHeaders.SESSION_ID, String.class);
        ClientSocket socket = new VertxClientSocket(ws, key, sessionId);
        sessions.register(socket).ifPresent(older -> {
            LOG.info("Session {} taken over by connection {}", sessionId, key);
            streams.current(sessionId).filter(t -> t.socket() == older).ifPresent(Turn::abandon);
            toolCalls.failConnection(sessionId, older.connectionKey());
            older.close(SESSION_TAKEN_OVER, "session taken over by a newer connection");
        });
        LOG.debug("Socket {} opened for session {}", key, sessionId);
    }

    @Handler
    public void close(Exchange exchange) {
        String key = exchange.getMessage().getHeader(GatewayHeaders.CONNECTION_KEY, String.class);
        sessions.findByConnection(key).ifPresent(socket -> {
            streams.current(socket.sessionId()).filter(t -> t.socket() == socket).ifPresent(Turn::abandon);
            toolCalls.failConnection(socket.sessionId(), key);
            if (sessions.unregister(socket)) {
                history.clear(socket.sessionId());
            }
            LOG.debug("Socket {} of session {} closed", key, socket.sessionId());
        });
    }
}
