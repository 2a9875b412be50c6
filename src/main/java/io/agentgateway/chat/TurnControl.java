package io.agentgateway.chat;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;

import io.agentgateway.common.ClientFrame;
import io.agentgateway.common.ClientSocket;
import io.agentgateway.common.FrameRejected;
import io.agentgateway.common.GatewayHeaders;
import io.agentgateway.common.GatewayMetrics;
import io.agentgateway.common.Pools;
import io.agentgateway.common.ServerFrames;
import io.agentgateway.session.InstanceRelay;
import io.agentgateway.session.SessionListener;
import io.agentgateway.session.SessionRegistry;
import io.agentgateway.session.SessionStreams;
import io.vertx.core.Vertx;
import org.apache.camel.CamelExecutionException;
import org.apache.camel.Exchange;
import org.apache.camel.Handler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starting and cancelling answers (the chat-turn and chat-cancel steps), recording finished ones in the history, and
 * what a session's answer does when its socket goes: it streams on for the resume grace, and is abandoned (the agent
 * call cut off) if nobody holds the session by then.
 */
public class TurnControl implements SessionListener {

    private static final Logger LOG = LoggerFactory.getLogger(TurnControl.class);

    /**
     * What a turn needs to know beyond its own state.
     *
     * @param maxStreams   answers streaming at once on this instance, past which a new one is refused
     * @param answerLimits answers streaming at once per application (identity), past which a new one is refused
     * @param turnLocks    one answer at a time per session across instances
     */
    public record Limits(int maxStreams, AnswerLimits answerLimits, long maxAnswerBytes, Duration resumeGrace,
                         TurnLocks turnLocks) {
    }

    private final Vertx vertx;
    /** where a history in Redis is written: a turn completes on an event loop */
    private final Executor historyWriter;
    private final StreamRegistry streams;
    private final SessionStreams sessionStreams;
    private final SessionRegistry sessions;
    private final ConversationHistory history;
    private final ServerFrames frames;
    private final Limits limits;
    private final GatewayMetrics metrics;
    private final InstanceRelay relay;
    /** the latest release of each session whose grace is running */
    private final Map<String, Object> pendingGrace = new ConcurrentHashMap<>();

    public TurnControl(Vertx vertx, StreamRegistry streams, SessionStreams sessionStreams, SessionRegistry sessions,
                       ConversationHistory history, ServerFrames frames, Limits limits,
                       GatewayMetrics metrics, InstanceRelay relay) {
        this.vertx = vertx;
        this.historyWriter = Pools.vertxWorker(vertx);
        this.streams = streams;
        this.sessionStreams = sessionStreams;
        this.sessions = sessions;
        this.history = history;
        this.frames = frames;
        this.limits = limits;
        this.metrics = metrics;
        this.relay = relay;
    }

    /** Begins a turn for the frame's {@code user_message} and puts it on the exchange. */
    @Handler
    public void begin(Exchange exchange) {
        ClientFrame.UserMessage message = exchange.getProperty(GatewayHeaders.FRAME, ClientFrame.UserMessage.class);
        ClientSocket socket = exchange.getProperty(GatewayHeaders.SOCKET, ClientSocket.class);
        if (!holdsSession(socket)) {
            // refused when it opened (1013), or replaced here: its session's stream is not (yet) here, and an answer
            // begun now would be numbered in a copy that the stream on its way replaces
            throw new FrameRejected("This connection does not hold session " + socket.sessionId()
                                    + " (refused or taken over): reconnect and send the message again");
        }
        if (exchange.getContext().isStopping()) {
            // the answers streaming here are being let end (AnswerDrain); a new one would be cut off
            throw new FrameRejected("This gateway instance is stopping: reconnect and send the message again");
        }
        if (streams.active() >= limits.maxStreams()) {
            throw new FrameRejected("Gateway busy: too many answers streaming, try again shortly");
        }
        if (streams.current(socket.sessionId()).filter(t -> !t.isFinished()).isPresent()) {
            throw alreadyStreaming(); // before the per-app count, which that answer is part of
        }
        // no identity (auth off): not limited per application, only by maxStreams above
        Optional<String> identity = Optional.ofNullable(
                exchange.getMessage().getHeader(GatewayHeaders.IDENTITY, String.class));
        AnswerLimits answerLimits = limits.answerLimits();
        AnswerLimits.Slot slot = answerLimits.tryAcquire(identity).orElseThrow(() -> new FrameRejected(
                "Too many answers streaming for this application: the limit is " + answerLimits.maxPerIdentity()
                + " at once (GATEWAY__MAX_ANSWERS_PER_APP); try again when one ends"));
        if (!limits.turnLocks().tryLock(socket.sessionId())) {
            slot.release();
            throw alreadyStreaming(); // on another instance
        }
        // the slot and the lock free when the turn ends, however it ends (completed, failed, cancelled, abandoned)
        Turn turn = new Turn(socket.sessionId(), message.content(), sessionStreams, frames, limits.maxAnswerBytes(),
                history.keeps(), t -> {
                    streams.end(t);
                    slot.release();
                    limits.turnLocks().unlock(t.sessionId());
                }, this::record, metrics);
        if (!streams.begin(turn)) {
            slot.release();
            throw alreadyStreaming(); // keeps the lock: the answer streaming here holds it
        }
        exchange.setProperty(GatewayHeaders.TURN, turn);
    }

    /**
     * The agent call completed: the turn ends normally, unless it has ended already or the call completed as the answer
     * began ({@link GatewayHeaders#AGENT_STREAM_GOES_ON}: agent-stream with {@code streamEnd}), whose end comes to
     * {@link #streamEnded} instead.
     */
    @Handler
    public void complete(Exchange exchange) {
        Turn turn = exchange.getProperty(GatewayHeaders.TURN, Turn.class);
        if (turn != null && !exchange.getProperty(GatewayHeaders.AGENT_STREAM_GOES_ON, false, Boolean.class)) {
            turn.complete();
        }
    }

    /**
     * An answer's stream ended after it began (the chat-stream-end step): normally, and the turn completes, or with a
     * failure, thrown here so that the route's error policy reports it as it does a failure before the answer began.
     * A failure that is no Exception is wrapped, as {@link Exchange#setException} wraps it on the way there, so the
     * policy's {@code onException(Exception.class)} still ends the turn.
     */
    @Handler
    public void streamEnded(Exchange exchange) throws Exception {
        Throwable failure = exchange.getProperty(GatewayHeaders.AGENT_STREAM_FAILURE, Throwable.class);
        if (failure != null) {
            throw failure instanceof Exception e ? e : new CamelExecutionException(failure.toString(), exchange, failure);
        }
        complete(exchange);
    }

    /** The socket is its session's registered one here, or the session moved on from here (frames forward). */
    private boolean holdsSession(ClientSocket socket) {
        return sessions.find(socket.sessionId())
                       .map(held -> held.connectionKey().equals(socket.connectionKey())).orElse(false)
               || sessionStreams.isMoved(socket.sessionId());
    }

    private static FrameRejected alreadyStreaming() {
        return new FrameRejected("An answer is already streaming for this session: wait for is_final "
                                 + "or send {\"type\": \"cancel\"}");
    }

    /**
     * Cancels the session's answer, whichever socket of the session started it, and on whichever instance it streams
     * (one the session came from, with Redis).
     */
    @Handler
    public void cancel(Exchange exchange) {
        ClientSocket socket = exchange.getProperty(GatewayHeaders.SOCKET, ClientSocket.class);
        boolean cancelled = streams.current(socket.sessionId()).map(Turn::cancel).orElse(false);
        if (cancelled) {
            return;
        }
        var producer = sessionStreams.producer(socket.sessionId());
        if (producer.isPresent()) {
            relay.send(producer.get(), "{\"kind\":\"cancel\",\"session_id\":"
                    + com.fasterxml.jackson.databind.node.TextNode.valueOf(socket.sessionId()) + "}");
            return;
        }
        throw new FrameRejected("Nothing to cancel: no answer is streaming");
    }

    /** Another instance's socket cancelled this session's answer streaming here. */
    @Handler
    public void cancelFromElsewhere(Exchange exchange) {
        String sessionId = exchange.getProperty(GatewayHeaders.RELAY, com.fasterxml.jackson.databind.JsonNode.class)
                .path("session_id").asText("");
        streams.current(sessionId).ifPresent(Turn::cancel);
    }

    /**
     * The one place history grows: a completed turn, whichever backend answered it. The turn ends once it is recorded,
     * so a client that asks again at once, on any instance, finds it; a history in Redis is written on a worker (a
     * turn completes on an event loop), and an unreachable one delays that final by its time-out, not the loop.
     */
    private void record(Turn turn, String answer, Runnable then) {
        Runnable write = () -> {
            try {
                history.append(turn.sessionId(), new ChatMessage("user", turn.userContent()),
                        new ChatMessage("assistant", answer));
            } finally {
                then.run();
            }
        };
        if (history.blocking()) {
            historyWriter.execute(write);
        } else {
            write.run();
        }
    }

    /**
     * A socket taken over leaves the answer to the new one. A session nobody holds keeps its answer streaming for the
     * resume grace; then, unless a socket came back, the answer is abandoned.
     */
    @Override
    public void socketReleased(ClientSocket socket, boolean sessionEnded) {
        if (!sessionEnded) {
            return;
        }
        String sessionId = socket.sessionId();
        if (limits.resumeGrace().isZero()) {
            abandonUnlessHeld(sessionId);
            return;
        }
        if (streams.current(sessionId).isPresent()) {
            // only the latest release's timer counts: a client that came back and left again gets a whole grace
            Object release = new Object();
            pendingGrace.put(sessionId, release);
            vertx.setTimer(limits.resumeGrace().toMillis(), id -> {
                if (pendingGrace.remove(sessionId, release)) {
                    abandonUnlessHeld(sessionId);
                }
            });
        }
    }

    /**
     * A socket came back: the grace of the release before is over. Its timer would otherwise still count once this
     * socket is unregistered and before its own release restarts the grace, and abandon an answer a client is
     * reading or resuming.
     */
    @Override
    public void socketHolds(ClientSocket socket) {
        pendingGrace.remove(socket.sessionId());
    }

    private void abandonUnlessHeld(String sessionId) {
        if (sessions.find(sessionId).isPresent() || sessionStreams.isMoved(sessionId)) {
            return; // resumed in time, here or on another instance (where the answer goes on streaming)
        }
        streams.current(sessionId).ifPresent(turn -> {
            if (!turn.isFinished()) {
                LOG.info("Abandoning the answer of session {}: no socket came back for it", sessionId);
                turn.abandon();
            }
        });
    }

    /** History goes with the session. */
    @Override
    public void sessionExpired(String sessionId) {
        history.clear(sessionId);
    }
}
