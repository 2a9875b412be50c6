package io.agentgateway.judgement;

import io.agentgateway.common.ClientSocket;
import io.agentgateway.common.GatewayHeaders;
import io.agentgateway.common.ServerFrames;
import org.apache.camel.Exchange;
import org.apache.camel.Handler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a client hears when its judgement request cannot be queued (route configuration {@code judgement-errors}):
 * the request is forgotten and the socket gets one {@code {"error": "Queue unavailable: ..."}}, however many of its
 * jobs failed.
 */
public class JudgementErrors {

    private static final Logger LOG = LoggerFactory.getLogger(JudgementErrors.class);

    private final PendingJudgements judgements;
    private final ServerFrames frames;

    public JudgementErrors(PendingJudgements judgements, ServerFrames frames) {
        this.judgements = judgements;
        this.frames = frames;
    }

    @Handler
    public void queueUnavailable(Exchange exchange) {
        String judgement = exchange.getProperty(GatewayHeaders.JUDGEMENT, String.class);
        if (judgement != null && !judgements.abandon(judgement)) {
            return; // a job of this request failed already, and the client was told
        }
        String message = "Queue unavailable: " + rootMessage(exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class));
        LOG.warn("Could not queue judgement {}: {}", judgement, message);
        ClientSocket socket = exchange.getProperty(GatewayHeaders.SOCKET, ClientSocket.class);
        if (socket != null) {
            socket.send(frames.error(message));
        }
    }

    private static String rootMessage(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage() != null ? root.getMessage() : root.getClass().getSimpleName();
    }
}
