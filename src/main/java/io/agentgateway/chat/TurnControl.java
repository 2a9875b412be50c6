package io.agentgateway.chat;

import io.agentgateway.common.ClientFrame;
import io.agentgateway.common.ClientSocket;
import io.agentgateway.common.FrameRejected;
import io.agentgateway.common.GatewayHeaders;
import io.agentgateway.common.GatewayMetrics;
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
    private final GatewayMetrics metrics;

    /**
     * @param maxStreams answers streaming at once on this instance, past which a new one is refused
     * @param metrics    hears of each turn's tokens and end
     */
    public TurnControl(StreamRegistry streams, ConversationHistory history, ServerFrames frames, int maxStreams,
                       GatewayMetrics metrics) {
        this.streams = streams;
        this.history = history;
        this.frames = frames;
        this.maxStreams = maxStreams;
        this.metrics = metrics;
    }

    /** Begins a turn for the frame's {@code user_message} and puts it on the exchange. */
    @Handler
    public void begin(Exchange exchange) {
        ClientFrame.UserMessage message = exchange.getProperty(GatewayHeaders.FRAME, ClientFrame.UserMessage.class);
        ClientSocket socket = exchange.getProperty(GatewayHeaders.SOCKET, ClientSocket.class);
        if (streams.active() >= maxStreams) {
            throw new FrameRejected("Gateway busy: too many answers streaming, try again shortly");
        }
        Turn turn = new Turn(socket, message.content(), frames, streams::end, this::record, metrics);
        if (!streams.begin(turn)) {
            throw new FrameRejected("An answer is already streaming for this session: wait for is_final "
                                    + "or send {\"type\": \"cancel\"}");
        }
        exchange.setProperty(GatewayHeaders.TURN, turn);
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
