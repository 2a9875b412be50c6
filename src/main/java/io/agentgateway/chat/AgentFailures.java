package io.agentgateway.chat;

import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.concurrent.RejectedExecutionException;

import io.agentgateway.common.Durations;
import io.agentgateway.common.GatewayMetrics.AgentError;
import org.apache.camel.http.base.HttpOperationFailedException;
import org.apache.hc.client5.http.ConnectTimeoutException;
import org.springframework.dao.DataAccessException;

/** Says in one sentence, for the client, why a turn failed. */
public final class AgentFailures {

    private final Duration requestTimeout;

    public AgentFailures(Duration requestTimeout) {
        this.requestTimeout = requestTimeout;
    }

    /** A turn whose agent went silent for longer than GATEWAY__REQUEST_TIMEOUT. */
    public String timedOut() {
        return "Agent timed out: nothing received for " + Durations.seconds(requestTimeout)
               + " s (GATEWAY__REQUEST_TIMEOUT)";
    }

    public String describe(Throwable failure) {
        Throwable t = failure;
        for (int depth = 0; t != null && depth < 8; depth++, t = t.getCause()) {
            if (t instanceof AgentStreamException) {
                return t.getMessage();
            }
            if (t instanceof HttpOperationFailedException h) {
                return "Agent answered HTTP " + h.getStatusCode();
            }
            if (t instanceof ConnectTimeoutException) {
                return "Agent unreachable: connect timed out after " + Durations.seconds(requestTimeout) + " s";
            }
            if (t instanceof SocketTimeoutException) {
                return timedOut();
            }
            if (t instanceof ConnectException) {
                return "Agent unreachable: " + t.getMessage();
            }
            if (t instanceof UnknownHostException) {
                return "Agent unreachable: unknown host " + t.getMessage();
            }
            if (t instanceof DataAccessException) {
                return "Queue unavailable: " + t.getMessage();
            }
            if (t instanceof RejectedExecutionException) {
                return "Gateway busy: too many answers streaming, try again shortly";
            }
            if (t instanceof java.io.IOException) {
                return "Agent stream failed: " + t.getMessage();
            }
        }
        return "Internal error while answering";
    }

    /** The kind of {@code failure}, for the gateway_agent_errors_total metric; looks at the same causes as describe. */
    public AgentError kind(Throwable failure) {
        Throwable t = failure;
        for (int depth = 0; t != null && depth < 8; depth++, t = t.getCause()) {
            if (t instanceof AgentStreamException) {
                return String.valueOf(t.getMessage()).contains("malformed") ? AgentError.MALFORMED : AgentError.OTHER;
            }
            if (t instanceof HttpOperationFailedException) {
                return AgentError.STATUS;
            }
            if (t instanceof ConnectTimeoutException || t instanceof SocketTimeoutException) {
                return AgentError.TIMEOUT;
            }
            if (t instanceof ConnectException) {
                return AgentError.REFUSED;
            }
        }
        return AgentError.OTHER;
    }
}
