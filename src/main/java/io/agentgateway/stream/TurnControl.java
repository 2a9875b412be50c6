package io.agentgateway.stream;

import io.agentgateway.GatewayHeaders;
import io.agentgateway.protocol.ClientFrame;
import io.agentgateway.protocol.ProtocolException;
import io.agentgateway.protocol.ServerFrames;
import io.agentgateway.session.ClientSocket;
import io.agentgateway.session.SessionRegistry;
import org.apache.camel.Exchange;
import org.apache.camel.Handler;

/** Starting and cancelling answers: the chat-turn and chat-cancel steps. */
public class TurnControl {

    private final SessionRegistry sessions;
    private final StreamRegistry streams;
    private final ServerFrames frames;
    private final int maxStreams;

    /** @param maxStreams answers streaming at once on this instance, past which a new one is refused */
    public TurnControl(SessionRegistry sessions, StreamRegistry streams, ServerFrames frames, int maxStreams) {
        this.sessions = sessions;
        this.streams = streams;
        this.frames = frames;
        this.maxStreams = maxStreams;
    }

    /** Begins a turn for the frame's {@code user_message} and puts it on the exchange. */
    @Handler
    public void begin(Exchange exchange) {
        ClientFrame.UserMessage message = exchange.getProperty(GatewayHeaders.FRAME, ClientFrame.UserMessage.class);
        ClientSocket socket = socketOf(exchange);
        if (streams.active() >= maxStreams) {
            throw new ProtocolException("Gateway busy: too many answers streaming, try again shortly");
        }
        Turn turn = new Turn(socket, message.content(), frames, streams::end);
        if (!streams.begin(turn)) {
            throw new ProtocolException("An answer is already streaming for this session: wait for is_final "
                                        + "or send {\"type\": \"cancel\"}");
        }
        exchange.setProperty(GatewayHeaders.TURN, turn);
    }

    @Handler
    public void cancel(Exchange exchange) {
        ClientSocket socket = socketOf(exchange);
        boolean cancelled = streams.current(socket.sessionId())
                .filter(t -> t.socket() == socket)
                .map(Turn::cancel)
                .orElse(false);
        if (!cancelled) {
            throw new ProtocolException("Nothing to cancel: no answer is streaming");
        }
    }

    private ClientSocket socketOf(Exchange exchange) {
        String key = exchange.getMessage().getHeader(GatewayHeaders.CONNECTION_KEY, String.class);
        return sessions.requireByConnection(key);
    }
}
