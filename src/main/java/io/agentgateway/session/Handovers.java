package io.agentgateway.session;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.agentgateway.common.GatewayHeaders;
import org.apache.camel.Exchange;
import org.apache.camel.Handler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moving a session's stream between instances. The instance where a socket opens a session that another live instance
 * holds asks it for the stream ({@code handover}); that instance closes its socket (4000), sends the stream as it is
 * ({@code snapshot}) and from then on forwards every frame appended there ({@code append}) - so an answer still
 * streaming there goes on to the new socket, with the session's seq, without a gap.
 */
public class Handovers {

    private static final Logger LOG = LoggerFactory.getLogger(Handovers.class);

    private final ObjectMapper mapper;
    private final SessionRegistry sessions;
    private final SessionStreams streams;
    private final InstanceRelay relay;
    private final String self;
    private final Duration wait;
    private final Map<String, CompletableFuture<Boolean>> awaited = new ConcurrentHashMap<>();

    /** @param wait how long a new socket waits for the stream from the other instance before it carries on without */
    public Handovers(ObjectMapper mapper, SessionRegistry sessions, SessionStreams streams, InstanceRelay relay,
                     String self, Duration wait) {
        this.mapper = mapper;
        this.sessions = sessions;
        this.streams = streams;
        this.relay = relay;
        this.self = self;
        this.wait = wait;
    }

    /**
     * Asks {@code holder} for the session's stream and waits (on the socket's lane, never an event loop) until it is
     * installed here. False when it did not come in time (the holder died or is stuck).
     */
    public boolean take(String sessionId, String holder) {
        CompletableFuture<Boolean> installed = new CompletableFuture<>();
        awaited.put(sessionId, installed);
        ObjectNode m = mapper.createObjectNode();
        m.put("kind", "handover");
        m.put("session_id", sessionId);
        m.put("to", self);
        relay.send(holder, m.toString());
        try {
            return installed.get(wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            LOG.warn("No stream for session {} from instance {} within {} ms", sessionId, holder, wait.toMillis());
            return false;
        } finally {
            awaited.remove(sessionId, installed);
        }
    }

    /** On the holder: give the session up to the instance that asked. */
    @Handler
    public void handover(Exchange exchange) {
        JsonNode m = exchange.getProperty(GatewayHeaders.RELAY, JsonNode.class);
        String sessionId = m.path("session_id").asText("");
        String to = m.path("to").asText("");
        sessions.find(sessionId).ifPresent(socket -> {
            LOG.info("Session {} taken over on instance {}", sessionId, to);
            socket.close(SocketLifecycle.SESSION_TAKEN_OVER, "session taken over by a newer connection");
        });
        streams.moveTo(sessionId, snapshot -> relay.send(to, snapshotMessage(sessionId, snapshot)),
                frame -> relay.send(to, appendMessage(sessionId, frame)));
    }

    /** On the new holder: the stream arrives, before any frame forwarded after it. */
    @Handler
    public void snapshot(Exchange exchange) {
        JsonNode m = exchange.getProperty(GatewayHeaders.RELAY, JsonNode.class);
        String sessionId = m.path("session_id").asText("");
        CompletableFuture<Boolean> waiting = awaited.get(sessionId);
        if (waiting == null) {
            LOG.warn("A stream for session {} came after its socket stopped waiting; dropped", sessionId);
            return;
        }
        List<String> frames = new ArrayList<>();
        m.path("frames").forEach(f -> frames.add(f.asText()));
        String owner = m.path("owner").isTextual() ? m.path("owner").asText() : null;
        streams.install(sessionId, new SessionStreams.Snapshot(m.path("next_seq").asLong(), frames, owner),
                Optional.of(m.path("from").asText()));
        waiting.complete(true);
    }

    /** On the new holder: a frame appended on the instance the session came from (its answer goes on there). */
    @Handler
    public void append(Exchange exchange) {
        JsonNode m = exchange.getProperty(GatewayHeaders.RELAY, JsonNode.class);
        streams.appendForwarded(m.path("session_id").asText(""), m.path("frame").asText(), m.path("from").asText());
    }

    private String snapshotMessage(String sessionId, SessionStreams.Snapshot snapshot) {
        ObjectNode m = mapper.createObjectNode();
        m.put("kind", "snapshot");
        m.put("session_id", sessionId);
        m.put("from", self);
        m.put("next_seq", snapshot.nextSeq());
        if (snapshot.owner() != null) {
            m.put("owner", snapshot.owner());
        }
        ArrayNode frames = m.putArray("frames");
        snapshot.frames().forEach(frames::add);
        return m.toString();
    }

    private String appendMessage(String sessionId, String frame) {
        ObjectNode m = mapper.createObjectNode();
        m.put("kind", "append");
        m.put("session_id", sessionId);
        m.put("from", self);
        m.put("frame", frame);
        return m.toString();
    }
}
