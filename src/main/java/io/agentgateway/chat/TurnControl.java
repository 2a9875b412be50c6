package io.agentgateway.chat;

import java.util.Optional;

import io.agentgateway.common.ClientFrame;
import io.agentgateway.common.ClientSocket;
import io.agentgateway.common.FrameRejected;
import io.agentgateway.common.GatewayHeaders;
import io.agentgateway.common.ServerFrames;
import io.agentgateway.session.SessionListener;
import org.apache.camel.Exchange;
import org.apache.camel.Handler;

/**
 * Starting and cancelling answers (the chat-turn and chat-cancel steps), recording finished ones in the history, and
 * ending a socket's answer when the socket lets go of its session.
 */
public class TurnControl implements SessionListener {

    private final StreamRegistry streams;
    private final ConversationHistory history;
    private final ServerFrames frames;
    private final int maxStreams;
    private final AnswerLimits answerLimits;

    /**
     * @param maxStreams   answers streaming at once on this instance, past which a new one is refused
     * @param answerLimits answers streaming at once per application (identity), past which a new one is refused
     */
    public TurnControl(StreamRegistry streams, ConversationHistory history, ServerFrames frames, int maxStreams,
                       AnswerLimits answerLimits) {
        this.streams = streams;
        this.history = history;
        this.frames = frames;
        this.maxStreams = maxStreams;
        this.answerLimits = answerLimits;
    }

    /** Begins a turn for the frame's {@code user_message} and puts it on the exchange. */
    @Handler
    public void begin(Exchange exchange) {
        ClientFrame.UserMessage message = exchange.getProperty(GatewayHeaders.FRAME, ClientFrame.UserMessage.class);
        ClientSocket socket = exchange.getProperty(GatewayHeaders.SOCKET, ClientSocket.class);
        if (streams.active() >= maxStreams) {
            throw new FrameRejected("Gateway busy: too many answers streaming, try again shortly");
        }
        if (streams.current(socket.sessionId()).isPresent()) {
            throw alreadyStreaming(); // before the per-app count, which that answer is part of
        }
        // no identity (auth off): not limited per application, only by maxStreams above
        Optional<String> identity = Optional.ofNullable(
                exchange.getMessage().getHeader(GatewayHeaders.IDENTITY, String.class));
        AnswerLimits.Slot slot = answerLimits.tryAcquire(identity).orElseThrow(() -> new FrameRejected(
                "Too many answers streaming for this application: the limit is " + answerLimits.maxPerIdentity()
                + " at once (GATEWAY__MAX_ANSWERS_PER_APP); try again when one ends"));
        // the slot frees when the turn ends, however it ends (completed, failed, cancelled, abandoned)
        Turn turn = new Turn(socket, message.content(), frames, t -> {
            streams.end(t);
            slot.release();
        }, this::record);
        if (!streams.begin(turn)) {
            slot.release();
            throw alreadyStreaming();
        }
        exchange.setProperty(GatewayHeaders.TURN, turn);
    }

    private static FrameRejected alreadyStreaming() {
        return new FrameRejected("An answer is already streaming for this session: wait for is_final "
                                 + "or send {\"type\": \"cancel\"}");
    }

    @Handler
    public void cancel(Exchange exchange) {
        ClientSocket socket = exchange.getProperty(GatewayHeaders.SOCKET, ClientSocket.class);
        boolean cancelled = streams.current(socket.sessionId())
                .filter(t -> t.socket() == socket)
                .map(Turn::cancel)
                .orElse(false);
        if (!cancelled) {
            throw new FrameRejected("Nothing to cancel: no answer is streaming");
        }
    }

    /** The one place history grows: a completed turn, whichever backend answered it. */
    private void record(Turn turn, String answer) {
        history.append(turn.sessionId(), new ChatMessage("user", turn.userContent()),
                new ChatMessage("assistant", answer));
    }

    /** The socket's answer is abandoned (the agent call cut off); a session nobody holds forgets its history. */
    @Override
    public void socketReleased(ClientSocket socket, boolean sessionEnded) {
        streams.current(socket.sessionId()).filter(t -> t.socket() == socket).ifPresent(Turn::abandon);
        if (sessionEnded) {
            history.clear(socket.sessionId());
        }
    }
}
