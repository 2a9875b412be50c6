package io.agentgateway.chat;

import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Supplier;

import io.agentgateway.common.ClientSocket;
import io.agentgateway.common.GatewayMetrics;
import io.agentgateway.common.GatewayMetrics.AnswerOutcome;
import io.agentgateway.common.ServerFrames;

/**
 * One answer being streamed to one socket. Every frame of the turn goes out through here, under the turn's lock,
 * so that nothing follows the final frame and exactly one final frame is sent, whichever of completion, failure,
 * cancel or disconnect comes first.
 */
public final class Turn {

    private final String sessionId;
    private final ClientSocket socket;
    private final String userContent;
    private final ServerFrames frames;
    private final Consumer<Turn> onFinish;
    private final BiConsumer<Turn, String> onComplete;
    private final StringBuilder answer = new StringBuilder();
    private final GatewayMetrics metrics;
    /** when the user's message came in (nanoTime), for the time to the first token */
    private final long startNanos = System.nanoTime();
    /** nanoTime of the last token sent; guarded by this */
    private long lastTokenNanos;
    private boolean anyToken;

    private boolean finished;
    private AgentCall call;

    /**
     * @param onFinish   runs once when the turn ends, however it ends
     * @param onComplete runs once, before {@code onFinish}, with the whole answer when the turn completes normally
     * @param metrics    hears of each token sent and of how the turn ended
     */
    public Turn(ClientSocket socket, String userContent, ServerFrames frames, Consumer<Turn> onFinish,
                BiConsumer<Turn, String> onComplete, GatewayMetrics metrics) {
        this.sessionId = socket.sessionId();
        this.socket = socket;
        this.userContent = userContent;
        this.frames = frames;
        this.onFinish = onFinish;
        this.onComplete = onComplete;
        this.metrics = metrics;
    }

    public String sessionId() {
        return sessionId;
    }

    public ClientSocket socket() {
        return socket;
    }

    public String userContent() {
        return userContent;
    }

    /** Sends a piece of the answer; false once the turn is over (the caller should stop reading). */
    public synchronized boolean emit(String token) {
        if (finished) {
            return false;
        }
        answer.append(token);
        long now = System.nanoTime();
        metrics.token(!anyToken, now - (anyToken ? lastTokenNanos : startNanos));
        anyToken = true;
        lastTokenNanos = now;
        return socket.send(frames.token(token, false, socket.nextSeq()));
    }

    /** Ends the turn normally; false if it had already ended. */
    public boolean complete() {
        String text;
        synchronized (this) {
            if (finished) {
                return false;
            }
            finished = true;
            text = answer.toString();
            socket.send(frames.token("", true, socket.nextSeq()));
        }
        metrics.answerEnded(AnswerOutcome.COMPLETED);
        onComplete.accept(this, text);
        onFinish.accept(this);
        return true;
    }

    /** Ends the turn with {@code {"type": "error", ...}}; false if it had already ended. */
    public boolean fail(String message) {
        return finish(() -> frames.turnError(message, socket.nextSeq()), AnswerOutcome.FAILED);
    }

    /** The client's cancel: final frame with {@code "cancelled": true} now, and the agent call cut off. */
    public boolean cancel() {
        return finish(() -> frames.cancelled(socket.nextSeq()), AnswerOutcome.CANCELLED);
    }

    /** The socket is gone: cut the agent call off, send nothing. */
    public void abandon() {
        finish(null, AnswerOutcome.ABANDONED);
    }

    /** Ends the turn early: sends {@code lastFrame} (if any), then cuts the agent call off. */
    private boolean finish(Supplier<String> lastFrame, AnswerOutcome outcome) {
        AgentCall toAbort;
        synchronized (this) {
            if (finished) {
                return false;
            }
            finished = true;
            toAbort = call;
            if (lastFrame != null) {
                socket.send(lastFrame.get());
            }
        }
        abort(toAbort);
        metrics.answerEnded(outcome);
        onFinish.accept(this);
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
