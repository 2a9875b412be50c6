package io.agentgateway.routes;

import io.agentgateway.GatewayHeaders;
import io.agentgateway.http.HttpReplies;
import io.agentgateway.protocol.ProtocolException;
import io.agentgateway.protocol.ServerFrames;
import io.agentgateway.queue.PendingJudgements;
import io.agentgateway.session.ClientSocket;
import io.agentgateway.session.SessionRegistry;
import io.agentgateway.stream.AgentFailures;
import io.agentgateway.stream.Turn;
import io.agentgateway.tool.ToolCallRejected;
import java.util.Optional;

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
    private final PendingJudgements judgements;

    public FailureReplier(SessionRegistry sessions, ServerFrames frames, AgentFailures failures,
                          PendingJudgements judgements) {
        this.sessions = sessions;
        this.frames = frames;
        this.failures = failures;
        this.judgements = judgements;
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
        String judgement = exchange.getProperty(GatewayHeaders.JUDGEMENT, String.class);
        if (judgement != null && !judgements.abandon(judgement)) {
            return; // a job of this request failed already, and the client was told
        }
        String key = exchange.getMessage().getHeader(GatewayHeaders.CONNECTION_KEY, String.class);
        if (key != null) {
            String message;
            if (cause instanceof ProtocolException) {
                message = cause.getMessage();
            } else if (judgement != null) {
                message = "Queue unavailable: " + rootMessage(cause);
                LOG.warn("Could not queue judgement {}: {}", judgement, message);
            } else {
                message = "Internal error";
                LOG.error("Failed handling a frame of connection {}", key, cause);
            }
            ClientSocket socket = exchange.getProperty(GatewayHeaders.SOCKET, ClientSocket.class);
            Optional<ClientSocket> target = socket != null ? Optional.of(socket) : sessions.findByConnection(key);
            target.ifPresent(s -> s.send(frames.error(message)));
            return;
        }
        if (cause instanceof ToolCallRejected rejected) {
            HttpReplies.json(exchange, rejected.status(), frames.error(rejected.getMessage()));
            return;
        }
        LOG.error("Failed handling an HTTP request", cause);
        HttpReplies.json(exchange, 500, frames.error("Internal error"));
    }

    private static String rootMessage(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage() != null ? root.getMessage() : root.getClass().getSimpleName();
    }
}
