package io.agentgateway.chat;

import io.agentgateway.common.GatewayHeaders;
import io.agentgateway.common.GatewayMetrics;
import org.apache.camel.Exchange;
import org.apache.camel.Handler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a client hears when its answer fails (route configuration {@code turn-errors}): the turn ends with one
 * {@code {"type": "error", ..., "is_final": true}} that says why, unless it had ended already.
 */
public class TurnErrors {

    private static final Logger LOG = LoggerFactory.getLogger(TurnErrors.class);

    private final AgentFailures failures;
    private final GatewayMetrics metrics;

    public TurnErrors(AgentFailures failures, GatewayMetrics metrics) {
        this.failures = failures;
        this.metrics = metrics;
    }

    @Handler
    public void failed(Exchange exchange) {
        Throwable cause = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        Turn turn = exchange.getProperty(GatewayHeaders.TURN, Turn.class);
        if (turn == null) {
            LOG.error("A chat step failed before its turn began", cause);
            return;
        }
        String message = failures.describe(cause);
        if (turn.fail(message)) {
            metrics.agentError(failures.kind(cause));
            if (AgentFailures.INTERNAL_ERROR.equals(message)) {
                // not a failure anyone named: its stack trace is what finds the cause
                LOG.error("Answer for session {} failed: {}", turn.sessionId(), message, cause);
            } else {
                LOG.warn("Answer for session {} failed: {}", turn.sessionId(), message,
                        LOG.isDebugEnabled() ? cause : null);
            }
        }
    }
}
