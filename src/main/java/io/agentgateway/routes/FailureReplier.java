package io.agentgateway.routes;

import io.agentgateway.GatewayHeaders;
import io.agentgateway.http.HttpReplies;
import io.agentgateway.protocol.ProtocolException;
import io.agentgateway.protocol.ServerFrames;
import io.agentgateway.session.SessionRegistry;
import io.agentgateway.stream.AgentFailures;
import io.agentgateway.stream.Turn;
import io.agentgateway.tool.ToolCallRejected;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells the right party what went wrong, once: a failed answer ends with its error frame; a refused client
 * frame gets {@code {"error": ...}} on its socket; an HTTP caller gets the status its rejection names, or a
 * JSON 500.
 */
public class FailureReplier implements Processor {

    private static final Logger LOG = LoggerFactory.getLogger(FailureReplier.class);

    private final SessionRegistry sessions;
    private final ServerFrames frames;
    private final AgentFailures failures;

    public FailureReplier(SessionRegistry sessions, ServerFrames frames, AgentFailures failures) {
        this.sessions = sessions;
        this.frames = frames;
        this.failures = failures;
    }

    @Override
    public void process(Exchange exchange) {
        Throwable cause = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        Turn turn = exchange.getProperty(GatewayHeaders.TURN, Turn.class);
        if (turn != null) {
            String message = failures.describe(cause);
            if (turn.fail(message)) {
                LOG.warn("Answer for session {} failed: {}", turn.sessionId(), message,
                        LOG.isDebugEnabled() ? cause : null);
            }
            return;
        }
        String key = exchange.getMessage().getHeader(GatewayHeaders.CONNECTION_KEY, String.class);
        if (key != null) {
            String message;
            if (cause instanceof ProtocolException) {
                message = cause.getMessage();
            } else {
                message = "Internal error";
                LOG.error("Failed handling a frame of connection {}", key, cause);
            }
            sessions.findByConnection(key).ifPresent(socket -> socket.send(frames.error(message)));
            return;
        }
        if (cause instanceof ToolCallRejected rejected) {
            HttpReplies.json(exchange, rejected.status(), frames.error(rejected.getMessage()));
            return;
        }
        LOG.error("Failed handling an HTTP request", cause);
        HttpReplies.json(exchange, 500, frames.error("Internal error"));
    }
}
