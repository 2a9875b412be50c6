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
 * <p>
 * Once asked, the holder gives the stream up whatever happens, so a snapshot that comes after its socket stopped
 * waiting is the session's only copy: it is still installed (while it may still come, {@link #awaitedFrom}), and an
 * instance asking for the session meanwhile is handed it once it is here, never the copy it replaces.
 */
public class Handovers {

    private static final Logger LOG = LoggerFactory.getLogger(Handovers.class);

    private final ObjectMapper mapper;
    private final SessionRegistry sessions;
    private final SessionStreams streams;
    private final InstanceRelay relay;
    private final SessionDirectory directory;
    private final String self;
    private final Duration wait;
    private final Duration lateBound;
    /** The streams asked for and not here yet, by session: relay handlers and the sockets' lanes share it. */
    private final Map<String, Asked> asked = new ConcurrentHashMap<>();
    /**
     * Instances that let a request go unanswered for a whole wait, since the request, until a message comes from
     * them. Once one is silent, sockets asking it no longer wait: after a kill, every socket of the dead instance's
     * sessions asks at once, and each would hold a thread of a bounded pool for the whole wait.
     */
    private final Map<String, Long> silentSince = new ConcurrentHashMap<>();

    /** What asking another instance for a session's stream came to. */
    public enum Taken {
        /** the stream is here now */
        INSTALLED,
        /** that instance has no stream of the session (it lost it, or gave it to another one) */
        MISSING,
        /** it did not come in time; it may still come (see {@link #awaitedFrom}) */
        LATE
    }

    /** A stream asked from {@code holder}; {@code passOnTo} is written and read by the relay handlers only. */
    private static final class Asked {
        final String holder;
        final long since = System.nanoTime();
        final CompletableFuture<Taken> installed = new CompletableFuture<>();
        String passOnTo;
        long passOnAfter = -1;

        Asked(String holder) {
            this.holder = holder;
        }
    }

    /**
     * @param wait      how long a new socket waits for the stream from the other instance before it gives up for now
     * @param lateBound how long a stream asked for may still come; after that it is taken for lost
     */
    public Handovers(ObjectMapper mapper, SessionRegistry sessions, SessionStreams streams, InstanceRelay relay,
                     SessionDirectory directory, String self, Duration wait, Duration lateBound) {
        this.mapper = mapper;
        this.sessions = sessions;
        this.streams = streams;
        this.relay = relay;
        this.directory = directory;
        this.self = self;
        this.wait = wait;
        this.lateBound = lateBound;
    }

    /**
     * Asks {@code holder} for the session's stream (unless it was asked already and may still come) and waits (on the
     * socket's lane, never an event loop) until it is installed here. {@link Taken#LATE} when it did not come in time:
     * the holder died, or is slow, in which case the stream is installed when it comes.
     */
    public Taken take(String sessionId, String holder, long after) {
        forgetLost();
        Asked a = asked.compute(sessionId, (id, old) ->
                old != null && old.holder.equals(holder) && !lost(old) ? old : new Asked(holder));
        // asked again even when asked before: the holder ignores a request older than its own claim (see handover)
        ObjectNode m = message("handover", sessionId);
        m.put("to", self);
        m.put("after", after);
        relay.send(holder, m.toString());
        Long silent = silentSince.get(holder);
        if (silent != null && System.nanoTime() - silent > wait.toNanos()) {
            Taken now = a.installed.getNow(Taken.LATE);
            if (now == Taken.LATE) {
                LOG.debug("No stream for session {} yet: instance {} has answered nothing for over {} ms", sessionId,
                        holder, wait.toMillis());
            }
            return now;
        }
        try {
            return a.installed.get(wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Taken.LATE;
        } catch (Exception e) {
            silentSince.putIfAbsent(holder, a.since);
            LOG.warn("No stream for session {} from instance {} within {} ms", sessionId, holder, wait.toMillis());
            return Taken.LATE;
        }
    }

    /** A message came from the instance: it is not silent. */
    private void heard(String instance) {
        if (!silentSince.isEmpty()) {
            silentSince.remove(instance);
        }
    }

    /** The instance whose stream of the session was asked for and may still come here, if any. */
    public Optional<String> awaitedFrom(String sessionId) {
        Asked a = asked.get(sessionId);
        return a == null || lost(a) ? Optional.empty() : Optional.of(a.holder);
    }

    /** The stream asked for will not come (its instance is gone): a late one is dropped. */
    public void giveUp(String sessionId) {
        asked.remove(sessionId);
    }

    private boolean lost(Asked a) {
        return System.nanoTime() - a.since > lateBound.toNanos();
    }

    private void forgetLost() {
        asked.values().removeIf(this::lost);
    }

    /** On the holder: give the session up to the instance that asked. */
    @Handler
    public void handover(Exchange exchange) {
        JsonNode m = exchange.getProperty(GatewayHeaders.RELAY, JsonNode.class);
        String sessionId = m.path("session_id").asText("");
        String to = m.path("to").asText("");
        long after = m.path("after").asLong(-1);
        heard(to);
        if (claimedHere(sessionId)) {
            // this instance claimed the session after the asker did: the request is older than the socket here
            LOG.info("Session {}: a handover to instance {} asked before this instance claimed it; ignored",
                    sessionId, to);
            return;
        }
        Asked coming = asked.get(sessionId);
        if (coming != null && !lost(coming) && !coming.holder.equals(to)) {
            // the copy here is not the session: hand on the one on its way here, once it is here
            LOG.info("Session {} asked for by instance {} while its stream comes from {}: handed on when here",
                    sessionId, to, coming.holder);
            coming.passOnTo = to;
            coming.passOnAfter = after;
            return;
        }
        // asked by the very instance this one waits for: that one claimed later and has the stream; the copy
        // sent there is kept only if newer than its own (see SessionStreams#install)
        asked.remove(sessionId);
        handOver(sessionId, to, after);
    }

    private boolean claimedHere(String sessionId) {
        try {
            return directory.claimedHere(sessionId);
        } catch (RuntimeException e) {
            return false; // the directory cannot say: the asker's word holds
        }
    }

    /** @param after the last seq the asking socket has (-1: none): earlier frames are not sent */
    private void handOver(String sessionId, String to, long after) {
        if (!streams.has(sessionId)) {
            // nothing to give (expired, moved on, or never here): an empty stream would pass for the session's
            LOG.info("Session {} asked for by instance {}: no stream of it here", sessionId, to);
            ObjectNode m = message("snapshot", sessionId);
            m.put("missing", true);
            relay.send(to, m.toString());
            return;
        }
        sessions.find(sessionId).ifPresent(socket -> {
            LOG.info("Session {} taken over on instance {}", sessionId, to);
            socket.close(SocketLifecycle.SESSION_TAKEN_OVER, "session taken over by a newer connection");
        });
        // the snapshot (up to the session's whole buffer) is written out when the relay sends it, not under the
        // session's lock that moveTo holds while it queues it
        streams.moveTo(sessionId, to, snapshot -> {
                    int took = streams.forwardedFrom(sessionId, to);
                    relay.send(to, () -> snapshotMessage(sessionId, after(snapshot, after), took));
                },
                frame -> relay.send(to, appendMessage(sessionId, frame)));
    }

    /** On the new holder: the stream arrives, before any frame forwarded after it. */
    @Handler
    public void snapshot(Exchange exchange) {
        JsonNode m = exchange.getProperty(GatewayHeaders.RELAY, JsonNode.class);
        String sessionId = m.path("session_id").asText("");
        String from = m.path("from").asText();
        heard(from);
        Asked a = asked.get(sessionId);
        if (a == null || !a.holder.equals(from)) {
            LOG.warn("A stream for session {} came from instance {} after it was given up for lost; dropped",
                    sessionId, from);
            return;
        }
        asked.remove(sessionId, a);
        if (m.path("missing").asBoolean(false)) {
            a.installed.complete(Taken.MISSING);
        } else {
            List<String> frames = new ArrayList<>();
            m.path("frames").forEach(f -> frames.add(f.asText()));
            String owner = m.path("owner").isTextual() ? m.path("owner").asText() : null;
            streams.install(sessionId, new SessionStreams.Snapshot(m.path("next_seq").asLong(), frames, owner),
                    Optional.of(from), m.path("took").asInt(-1));
            a.installed.complete(Taken.INSTALLED);
        }
        if (a.passOnTo != null) {
            handOver(sessionId, a.passOnTo, a.passOnAfter);
        }
    }

    /** On the new holder: a frame appended on the instance the session came from (its answer goes on there). */
    @Handler
    public void append(Exchange exchange) {
        JsonNode m = exchange.getProperty(GatewayHeaders.RELAY, JsonNode.class);
        heard(m.path("from").asText());
        streams.appendForwarded(m.path("session_id").asText(""), m.path("frame").asText(), m.path("from").asText());
    }

    /**
     * The frames the asking socket does not have, and the last one it has: a wave of resumes moves what the clients
     * miss, not every session's whole buffer, and the last frame still says whether an answer is open.
     */
    static SessionStreams.Snapshot after(SessionStreams.Snapshot snapshot, long after) {
        long missing = snapshot.nextSeq() - 1 - after;
        int size = snapshot.frames().size();
        if (after < 0 || missing + 1 >= size) {
            return snapshot;
        }
        int keep = (int) Math.max(1, missing + 1);
        return new SessionStreams.Snapshot(snapshot.nextSeq(), snapshot.frames().subList(size - keep, size),
                snapshot.owner());
    }

    /** @param took how many of the frames {@code to} forwarded here this stream took in (see SessionStreams#install) */
    private String snapshotMessage(String sessionId, SessionStreams.Snapshot snapshot, int took) {
        ObjectNode m = message("snapshot", sessionId);
        m.put("next_seq", snapshot.nextSeq());
        m.put("took", took);
        if (snapshot.owner() != null) {
            m.put("owner", snapshot.owner());
        }
        ArrayNode frames = m.putArray("frames");
        snapshot.frames().forEach(frames::add);
        return m.toString();
    }

    private String appendMessage(String sessionId, String frame) {
        ObjectNode m = message("append", sessionId);
        m.put("frame", frame);
        return m.toString();
    }

    /** A relay message of this kind about the session, from this instance. */
    private ObjectNode message(String kind, String sessionId) {
        ObjectNode m = mapper.createObjectNode();
        m.put("kind", kind);
        m.put("session_id", sessionId);
        m.put("from", self);
        return m;
    }
}
