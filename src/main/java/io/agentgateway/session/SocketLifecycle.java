package io.agentgateway.session;

import java.util.List;
import java.util.OptionalLong;

import com.fasterxml.jackson.databind.JsonNode;
import io.agentgateway.common.ClientSocket;
import io.agentgateway.common.GatewayHeaders;
import io.agentgateway.common.GatewayMetrics;
import org.apache.camel.Exchange;
import org.apache.camel.Handler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** What a chat socket's OPEN and CLOSE mean for its session: the session-open and session-close steps. */
public class SocketLifecycle {

    /** Query parameter (so, header) of a reconnecting socket: the last seq it received. */
    public static final String LAST_SEQ = "last_seq";

    /** Close code sent to a socket whose session was taken over by a newer connection. */
    public static final short SESSION_TAKEN_OVER = 4000;

    private static final Logger LOG = LoggerFactory.getLogger(SocketLifecycle.class);

    private final SessionRegistry sessions;
    private final SessionStreams streams;
    private final List<SessionListener> listeners;
    private final GatewayMetrics metrics;
    private final SessionDirectory directory;
    private final InstanceRelay relay;

    /**
     * @param directory which instance holds each session's socket ({@link SessionDirectory#LOCAL} for one instance)
     * @param relay     messages to the other instances
     */
    public SocketLifecycle(SessionRegistry sessions, SessionStreams streams, List<SessionListener> listeners,
                           GatewayMetrics metrics, SessionDirectory directory, InstanceRelay relay) {
        this.sessions = sessions;
        this.streams = streams;
        this.listeners = listeners; // read at each release: wired after construction
        this.metrics = metrics;
        this.directory = directory;
        this.relay = relay;
    }

    /** Registers the socket as its session's holder and its stream's reader (resuming from last_seq if asked). */
    @Handler
    public void open(Exchange exchange) {
        ClientSocket socket = exchange.getProperty(GatewayHeaders.SOCKET, ClientSocket.class);
        sessions.register(socket).ifPresent(older -> {
            LOG.info("Session {} taken over by connection {}", socket.sessionId(), socket.connectionKey());
            streams.detach(older);
            release(older, false);
            older.close(SESSION_TAKEN_OVER, "session taken over by a newer connection");
        });
        claimAcrossInstances(socket.sessionId());
        streams.attach(socket, lastSeq(exchange.getMessage().getHeader(LAST_SEQ, String.class)))
                .ifPresent(r -> {
                    metrics.resumed(r.recovered());
                    LOG.debug("Session {} resumed after seq {}: recovered={}", socket.sessionId(), r.lastSeq(),
                            r.recovered());
                });
        LOG.debug("Socket {} opened for session {}", socket.connectionKey(), socket.sessionId());
    }

    @Handler
    public void close(Exchange exchange) {
        ClientSocket socket = exchange.getProperty(GatewayHeaders.SOCKET, ClientSocket.class);
        streams.detach(socket);
        boolean ended = sessions.unregister(socket);
        if (ended) {
            acrossInstances(() -> directory.release(socket.sessionId()));
        }
        release(socket, ended);
        LOG.debug("Socket {} of session {} closed", socket.connectionKey(), socket.sessionId());
    }

    /** Another instance took the session over: the socket here, if any, is closed as on a takeover here. */
    @Handler
    public void takenOverElsewhere(Exchange exchange) {
        String sessionId = exchange.getProperty(GatewayHeaders.RELAY, JsonNode.class).path("session_id").asText("");
        sessions.find(sessionId).ifPresent(socket -> {
            LOG.info("Session {} taken over on another instance", sessionId);
            socket.close(SESSION_TAKEN_OVER, "session taken over by a newer connection");
        });
    }

    /** This instance holds the session now: the instance that held it before closes its socket (code 4000). */
    private void claimAcrossInstances(String sessionId) {
        acrossInstances(() -> directory.claim(sessionId).ifPresent(previous ->
                relay.send(previous, "{\"kind\":\"takeover\",\"session_id\":" + quote(sessionId) + "}")));
    }

    /** Without the shared directory (Redis down) the socket still works here; other instances cannot reach it. */
    private static void acrossInstances(Runnable step) {
        try {
            step.run();
        } catch (RuntimeException e) {
            LOG.warn("Session directory unavailable, the socket works on this instance only: {}", e.getMessage());
        }
    }

    private static String quote(String s) {
        return com.fasterxml.jackson.databind.node.TextNode.valueOf(s).toString();
    }

    /** The {@code last_seq} query parameter: absent, or a whole number from -1; anything else resumes nothing. */
    static OptionalLong lastSeq(String raw) {
        if (raw == null || raw.isBlank()) {
            return OptionalLong.empty();
        }
        try {
            return OptionalLong.of(Math.max(-1, Long.parseLong(raw.trim())));
        } catch (NumberFormatException e) {
            return OptionalLong.of(Long.MAX_VALUE); // never sent: answered recovered=false
        }
    }

    private void release(ClientSocket socket, boolean sessionEnded) {
        for (SessionListener listener : listeners) {
            listener.socketReleased(socket, sessionEnded);
        }
    }
}
