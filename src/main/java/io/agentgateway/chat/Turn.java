package io.agentgateway.chat;

import java.util.function.Consumer;
import java.util.function.LongFunction;

import io.agentgateway.common.GatewayMetrics;
import io.agentgateway.common.GatewayMetrics.AnswerOutcome;
import io.agentgateway.common.ServerFrames;
import io.agentgateway.session.SessionStreams;
import io.netty.buffer.ByteBufUtil;

/**
 * One answer being streamed into its session's stream. Every frame of the turn is appended through here, under the
 * turn's lock, so that nothing follows the final frame and exactly one final frame is sent, whichever of completion,
 * failure, cancel or abandonment comes first. The turn belongs to the session, not to a socket: it goes on while
 * its client reconnects.
 */
public final class Turn {

    /**
     * Records a completed answer (its text, or "" if the turn was told not to gather it), then runs {@code then} (on any
     * thread): the final waits for the record.
     */
    @FunctionalInterface
    public interface Recorder {
        void record(Turn turn, String answer, Runnable then);
    }

    /** The final of an answer nobody came back for within the resume grace. */
    static final String ABANDONED = "Answer abandoned: no socket came back for it within the resume grace; ask again";

    private final String sessionId;
    private final String userContent;
    private final SessionStreams streams;
    private final ServerFrames frames;
    private final long maxAnswerBytes;
    private final Consumer<Turn> onFinish;
    private final Recorder onComplete;
    /** the answer's text so far, for the record; null when nothing keeps it (history off) */
    private final StringBuilder answer;
    private final GatewayMetrics metrics;
    /** when the user's message came in (nanoTime), for the time to the first token */
    private final long startNanos = System.nanoTime();
    /** nanoTime of the last token sent; guarded by this */
    private long lastTokenNanos;
    private boolean anyToken;

    private long answerBytes;
    private boolean finished;
    private AgentCall call;

    /**
     * @param maxAnswerBytes past this many bytes of answer the turn fails (GATEWAY__MAX_ANSWER_BYTES)
     * @param gatherAnswer   whether to gather the answer's text for {@code onComplete}: not when nothing keeps it
     * @param onFinish       runs once when the turn ends, however it ends, before its final frame goes out
     * @param onComplete     runs once, before {@code onFinish}, with the whole answer when the turn completes normally;
     *                       the turn ends (onFinish, then the final) when it says so
     * @param metrics        hears of each token sent and of how the turn ended
     */
    public Turn(String sessionId, String userContent, SessionStreams streams, ServerFrames frames, long maxAnswerBytes,
                boolean gatherAnswer, Consumer<Turn> onFinish, Recorder onComplete, GatewayMetrics metrics) {
        this.sessionId = sessionId;
        this.userContent = userContent;
        this.streams = streams;
        this.frames = frames;
        this.maxAnswerBytes = maxAnswerBytes;
        this.answer = gatherAnswer ? new StringBuilder() : null;
        this.onFinish = onFinish;
        this.onComplete = onComplete;
        this.metrics = metrics;
    }

    public String sessionId() {
        return sessionId;
    }

    public String userContent() {
        return userContent;
    }

    /** Appends a piece of the answer; false once the turn is over (the caller should stop reading). */
    public boolean emit(String token) {
        synchronized (this) {
            if (finished) {
                return false;
            }
            answerBytes += ByteBufUtil.utf8Bytes(token);
            if (answerBytes <= maxAnswerBytes) {
                if (answer != null) {
                    answer.append(token);
                }
                long now = System.nanoTime();
                metrics.token(!anyToken, now - (anyToken ? lastTokenNanos : startNanos));
                anyToken = true;
                lastTokenNanos = now;
                streams.appendToken(sessionId, token);
                return true;
            }
        }
        fail("Answer too long: over " + maxAnswerBytes + " bytes (GATEWAY__MAX_ANSWER_BYTES)");
        return false;
    }

    /**
     * False while the session's client is too far behind (its buffer is full of frames it has not read): the caller
     * should stop reading the agent, so that TCP pushes back on it, until {@link #whenRoom} calls it back.
     */
    public boolean hasRoom() {
        return streams.hasCapacity(sessionId);
    }

    /**
     * Runs {@code then} once when the client has caught up (at once if it has): on whichever thread made room, so
     * {@code then} should only hand over to the reader's own thread. Never blocks. Not called when the turn ends
     * meanwhile unless room comes too: a reader that paused learns of the end from {@link #attach}'s abort.
     */
    public void whenRoom(Runnable then) {
        streams.onCapacity(sessionId, then);
    }

    /** Ends the turn normally; false if it had already ended. */
    public boolean complete() {
        String text;
        synchronized (this) {
            if (finished) {
                return false;
            }
            finished = true; // nothing else can end it now, nor append to it
            text = answer == null ? "" : answer.toString();
        }
        // recorded, and the turn's slot, lock and registration given back, before the final goes out: a client that
        // sees is_final and asks again at once, on any instance, finds the history and room for its next answer
        onComplete.record(this, text, () -> {
            metrics.answerEnded(AnswerOutcome.COMPLETED);
            onFinish.accept(this);
            streams.append(sessionId, seq -> frames.token("", true, seq));
        });
        return true;
    }

    /** Ends the turn with {@code {"type": "error", ...}}; false if it had already ended. */
    public boolean fail(String message) {
        return finish(seq -> frames.turnError(message, seq), AnswerOutcome.FAILED);
    }

    /** The client's cancel: final frame with {@code "cancelled": true} now, and the agent call cut off. */
    public boolean cancel() {
        return finish(frames::cancelled, AnswerOutcome.CANCELLED);
    }

    /**
     * Nobody came back for the answer: cut the agent call off. Its end is kept in the session's stream all the same:
     * a client that resumes later (on another instance, or just after the grace) gets a final, never half an answer.
     */
    public void abandon() {
        finish(seq -> frames.turnError(ABANDONED, seq), AnswerOutcome.ABANDONED);
    }

    /** Ends the turn early: appends {@code lastFrame} (if any), then cuts the agent call off. */
    private boolean finish(LongFunction<String> lastFrame, AnswerOutcome outcome) {
        AgentCall toAbort;
        synchronized (this) {
            if (finished) {
                return false;
            }
            finished = true; // no token can follow now: emit appends under this lock
            toAbort = call;
        }
        abort(toAbort);
        metrics.answerEnded(outcome);
        onFinish.accept(this); // before the final: the client's next message finds the session free
        if (lastFrame != null) {
            streams.append(sessionId, lastFrame);
        }
        return true;
    }

    /** Registers the running agent call; cuts it off at once if the turn already ended (cancelled early). */
    public void attach(AgentCall agentCall) {
        synchronized (this) {
            if (!finished) {
                call = agentCall;
                return;
            }
        }
        abort(agentCall);
    }

    public synchronized boolean isFinished() {
        return finished;
    }

    private static void abort(AgentCall c) {
        if (c != null) {
            c.abort();
        }
    }
}
