package io.agentgateway.common;

import java.util.function.LongSupplier;

/**
 * What the gateway counts and times, as the features see it: they call this, and only the wiring knows how it is
 * recorded (Micrometer, served as Prometheus text at {@code GET /metrics}). Calls must be cheap: {@link #token} runs
 * once per relayed token.
 */
public interface GatewayMetrics {

    /** The two WebSocket protocols. */
    enum Socket { CHAT, JUDGEMENT }

    /** How an answer ended: normally, with an error final, by the client's cancel, or by its socket going away. */
    enum AnswerOutcome { COMPLETED, FAILED, CANCELLED, ABANDONED }

    /** Why an answer failed. */
    enum AgentError {
        /** the agent's host refused the connection */
        REFUSED,
        /** the agent answered a non-2xx HTTP status */
        STATUS,
        /** connect timeout, or the agent silent for longer than GATEWAY__REQUEST_TIMEOUT */
        TIMEOUT,
        /** a stream line the gateway cannot read */
        MALFORMED,
        /** anything else (an error chunk from the agent, a worker's error reply, the queue down, ...) */
        OTHER
    }

    /** A worker reply relayed to a judgement socket, or a final the gateway made itself when an agent timed out. */
    enum JudgementReply { STREAM, FINAL, TIMEOUT }

    void socketOpened(Socket socket);

    void socketClosed(Socket socket);

    /** A token was relayed to a client; {@code first} says whether it was its answer's first. */
    void token(boolean first, long nanosSinceMessageOrPreviousToken);

    void answerEnded(AnswerOutcome outcome);

    void agentError(AgentError kind);

    /** The tool endpoint answered {@code status} (every answer, rejections included). */
    void toolCallAnswered(int status);

    void judgementReply(JudgementReply type);

    /** A client reconnected with {@code last_seq}; {@code recovered} is whether the frames it missed could be sent. */
    void resumed(boolean recovered);

    /** Token frames waiting for a slow socket went out as one frame: {@code frames} of them. */
    void tokensMerged(int frames);

    /**
     * A frame was queued to a socket from a thread other than the socket's event loop, which costs a hand-over
     * between threads. Tokens of an agent call made on the socket's own loop need none.
     */
    void frameHandedOver();

    /**
     * Where to read the sessions' kept frames from, as gauges: the bytes of frames kept, and the memory their rings
     * hold (off the heap, so no heap figure shows it). Recording nothing unless overridden.
     */
    default void keptFrames(LongSupplier keptBytes, LongSupplier heldBytes) {
    }

    /** Records nothing: for unit tests and for wiring that does not care. */
    GatewayMetrics NONE = new GatewayMetrics() {
        @Override
        public void socketOpened(Socket socket) {
        }

        @Override
        public void socketClosed(Socket socket) {
        }

        @Override
        public void token(boolean first, long nanosSinceMessageOrPreviousToken) {
        }

        @Override
        public void answerEnded(AnswerOutcome outcome) {
        }

        @Override
        public void agentError(AgentError kind) {
        }

        @Override
        public void toolCallAnswered(int status) {
        }

        @Override
        public void judgementReply(JudgementReply type) {
        }

        @Override
        public void resumed(boolean recovered) {
        }

        @Override
        public void tokensMerged(int frames) {
        }

        @Override
        public void frameHandedOver() {
        }
    };
}
