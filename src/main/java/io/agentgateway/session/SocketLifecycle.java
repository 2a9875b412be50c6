package io.agentgateway.session;

import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

import io.agentgateway.common.ClientSocket;
import io.agentgateway.common.GatewayHeaders;
import io.agentgateway.common.GatewayMetrics;
import io.agentgateway.common.OutageLog;
import io.agentgateway.common.Stripes;
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

    /**
     * Close code (RFC 6455 "Try Again Later") for a resume this instance cannot serve yet: the client has frames
     * another instance sent, and that instance cannot be found for now (Redis down, or back empty and the holders
     * not yet re-registered). Reconnecting with the same last_seq shortly gets the session handed over.
     */
    public static final short TRY_AGAIN_LATER = 1013;

    /**
     * Where the session's stream came from when a socket opened: here, from the store, or not yet: {@code COMING} from
     * a slow holder (this instance keeps its claim, the stream lands here), or {@code ELSEWHERE}, an instance that
     * cannot be found now (the claim is given back).
     */
    private enum Brought { HERE, FROM_STORE, COMING, ELSEWHERE }

    private static final Logger LOG = LoggerFactory.getLogger(SocketLifecycle.class);

    private final SessionRegistry sessions;
    private final SessionStreams streams;
    private final List<SessionListener> listeners;
    private final GatewayMetrics metrics;
    private final SessionDirectory directory;
    private final OutageLog directoryOutage = new OutageLog(LOG,
            "Session directory unavailable, sockets work on this instance only", "The session directory works again");
    private final Handovers handovers;
    private final StreamStore store;
    /** one session's opens and closes, one at a time */
    private final Stripes stripes = new Stripes(1024);

    /**
     * @param directory which instance holds each session ({@link SessionDirectory#LOCAL} for one instance)
     * @param handovers moving a session's stream from another instance to this one
     * @param store     the sessions' frames beyond any one instance's memory ({@link StreamStore#NONE} for one)
     */
    public SocketLifecycle(SessionRegistry sessions, SessionStreams streams, List<SessionListener> listeners,
                           GatewayMetrics metrics, SessionDirectory directory, Handovers handovers,
                           StreamStore store) {
        this.sessions = sessions;
        this.streams = streams;
        this.listeners = listeners; // read at each release: wired after construction
        this.metrics = metrics;
        this.directory = directory;
        this.handovers = handovers;
        this.store = store;
    }

    /**
     * Registers the socket as its session's holder and its stream's reader (resuming from last_seq if asked). One
     * session's opens and closes run one at a time: a client that gave up on a slow open and tried again on this
     * instance must not have its two sockets bring and attach two copies at once.
     */
    @Handler
    public void open(Exchange exchange) {
        ClientSocket socket = exchange.getProperty(GatewayHeaders.SOCKET, ClientSocket.class);
        synchronized (stripes.of(socket.sessionId())) {
            openLocked(exchange, socket);
        }
    }

    private void openLocked(Exchange exchange, ClientSocket socket) {
        if (!socket.isOpen()) {
            // closed before its OPEN ran: a handshake its client gave up on (timed out, went to another instance)
            // that completed late. Taking the session over would close the socket the client does use with 4000
            LOG.debug("Socket {} of session {} closed before it opened: the session stays where it is",
                    socket.connectionKey(), socket.sessionId());
            return;
        }
        sessions.register(socket).ifPresent(older -> {
            LOG.info("Session {} taken over by connection {}", socket.sessionId(), socket.connectionKey());
            streams.detach(older);
            release(older, false);
            older.close(SESSION_TAKEN_OVER, "session taken over by a newer connection");
        });
        OptionalLong lastSeq = lastSeq(exchange.getMessage().getHeader(LAST_SEQ, String.class));
        Brought brought = bringStreamHere(socket.sessionId(), lastSeq);
        if (brought == Brought.ELSEWHERE || brought == Brought.COMING) {
            LOG.info("Session {}: socket refused for now, its stream {}", socket.sessionId(),
                    brought == Brought.COMING ? "is still on its way here" : "is on an instance not found yet");
            sessions.unregister(socket);
            if (brought == Brought.ELSEWHERE) {
                acrossInstances(() -> directory.release(socket.sessionId()));
            }
            socket.close(TRY_AGAIN_LATER, "the instance streaming this session cannot be reached yet: reconnect "
                                          + "with the same last_seq");
            return;
        }
        boolean fromStore = brought == Brought.FROM_STORE;
        streams.attach(socket, lastSeq)
                .ifPresent(r -> {
                    metrics.resumed(r.recovered());
                    LOG.debug("Session {} resumed after seq {}: recovered={}", socket.sessionId(), r.lastSeq(),
                            r.recovered());
                });
        if (fromStore) {
            // after the resumed frame and the replay: a client that could not be given the frames it asked for still
            // gets the final that ends the answer its instance left open
            streams.interruptIfOpen(socket.sessionId());
            acrossInstances(() -> directory.releaseDeadTurn(socket.sessionId()));
        }
        for (SessionListener listener : listeners) {
            listener.socketHolds(socket);
        }
        LOG.debug("Socket {} opened for session {}", socket.connectionKey(), socket.sessionId());
    }

    @Handler
    public void close(Exchange exchange) {
        ClientSocket socket = exchange.getProperty(GatewayHeaders.SOCKET, ClientSocket.class);
        synchronized (stripes.of(socket.sessionId())) {
            closeLocked(socket);
        }
    }

    private void closeLocked(ClientSocket socket) {
        streams.detach(socket);
        boolean ended = sessions.unregister(socket);
        if (ended) {
            // what was sent so far is saved before anyone can look for it elsewhere
            acrossInstances(store::flush);
        }
        release(socket, ended);
        LOG.debug("Socket {} of session {} closed", socket.connectionKey(), socket.sessionId());
    }

    /**
     * This instance holds the session now. Its stream comes from the live instance that held it (which closes its
     * socket with 4000 and forwards what its answer still appends), or from the store when that instance is gone
     * (an answer it left open then ends with an interrupted error final): true in that last case.
     */
    private Brought bringStreamHere(String sessionId, OptionalLong lastSeq) {
        long seen = lastSeq.isPresent() && lastSeq.getAsLong() != Long.MAX_VALUE ? lastSeq.getAsLong() : -1;
        // the client has frames this instance never numbered (another one did), and a copy here is older than that
        boolean behindClient = seen >= streams.nextSeq(sessionId);
        boolean staleHere = behindClient && streams.has(sessionId);
        try {
            Optional<String> previous = directory.claim(sessionId);
            directoryOutage.succeeded();
            // a stream asked for by an earlier socket that stopped waiting, and still on its way, is the session's
            Optional<String> from = previous.or(() -> handovers.awaitedFrom(sessionId));
            if (from.isPresent()) {
                Handovers.Taken taken = handovers.take(sessionId, from.get(), seen);
                if (taken == Handovers.Taken.INSTALLED) {
                    return Brought.HERE;
                }
                if (taken == Handovers.Taken.LATE && directory.responsive(from.get())) {
                    // slow, not dead: it gives the stream up all the same, it lands here, and the client's next try
                    // gets it; carrying on from any other copy now would number frames the client already has
                    return Brought.COMING;
                }
                handovers.giveUp(sessionId);
            }
            boolean heldElsewhere = from.isPresent();
            if (heldElsewhere && seen >= 0 && directory.rebuilding()) {
                // a live holder that did not answer just after Redis came back: its relay subscription may still be
                // reconnecting, and the store holds only what was saved since; its heartbeat puts its entry back
                return Brought.ELSEWHERE;
            }
            if (!heldElsewhere && streams.has(sessionId) && !staleHere) {
                // nobody else holds it, and the directory can say so: this copy is the session, and a last_seq
                // beyond it was never sent (the resume says so)
                return Brought.HERE;
            }
            if (seen >= 0 && !heldElsewhere && directory.rebuilding()) {
                // the directory lost its data a moment ago: the instance streaming this session may be putting its
                // entry back right now, and what the store holds since then is partial
                return Brought.ELSEWHERE;
            }
            // nobody holds it, or its holder died: the store has what was saved last, which may be newer than a
            // copy here that the client is past (the session went on elsewhere since)
            Optional<SessionStreams.Snapshot> saved = store.load(sessionId)
                    .filter(snapshot -> snapshot.nextSeq() > streams.nextSeq(sessionId) || !streams.has(sessionId));
            if (saved.isEmpty()) {
                if (behindClient && heldElsewhere) {
                    // its holder died before it saved what the client has: never number below that
                    streams.install(sessionId, new SessionStreams.Snapshot(seen + 1, List.of(), null),
                            Optional.empty());
                }
                // else nobody held it since: the copy here (if any) is the latest, and a last_seq beyond it was
                // never sent (the resume says so)
                return Brought.HERE;
            }
            SessionStreams.Snapshot snapshot = saved.get();
            boolean clientAhead = seen + 1 > snapshot.nextSeq();
            if (clientAhead) {
                // the instance that died had sent frames it had not saved yet: the client has everything kept, and
                // the session numbers on after what the client has
                snapshot = new SessionStreams.Snapshot(seen + 1, List.of(), snapshot.owner());
            }
            LOG.info("Session {} carried on from the store: {} frames kept, next seq {}", sessionId,
                    snapshot.frames().size(), snapshot.nextSeq());
            streams.install(sessionId, snapshot, Optional.empty());
            List<String> savedFrames = saved.get().frames();
            if (snapshot.frames().isEmpty() && !savedFrames.isEmpty()) {
                streams.markAnswerOpen(sessionId, savedFrames.get(savedFrames.size() - 1));
            }
            if (clientAhead && directory.answerStreamingElsewhere(sessionId).isPresent()) {
                // the client has frames the store never got, and the instance given up for gone holds the answer
                // lock: it was streaming an answer whose frames it had not saved (the last saved may be the
                // previous answer's final), and that answer will not come here
                streams.markAnswerOpen(sessionId);
            }
            return Brought.FROM_STORE;
        } catch (RuntimeException e) {
            directoryOutage.failed(e.getMessage());
            // what the client has came from an instance this one cannot ask now: serving the older copy here
            // would number frames the client already has
            return behindClient ? Brought.ELSEWHERE : Brought.HERE;
        }
    }

    /** The session is forgotten here: it is nobody's unless another instance holds it. */
    public void forget(String sessionId) {
        acrossInstances(() -> directory.release(sessionId));
    }

    /** Without the shared directory (Redis down) the socket still works here; other instances cannot reach it. */
    private void acrossInstances(Runnable step) {
        try {
            step.run(); // not "works again" when it returns: a flush with nothing queued asks nobody
        } catch (RuntimeException e) {
            directoryOutage.failed(e.getMessage());
        }
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
