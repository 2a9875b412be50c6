package io.agentgateway.chat;

import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeoutException;

import io.agentgateway.common.Durations;
import io.agentgateway.common.GatewayMetrics.AgentError;
import io.netty.channel.ConnectTimeoutException;
import io.vertx.core.http.HttpClosedException;
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
            if (t instanceof AgentStatusException h) {
                return "Agent answered HTTP " + h.statusCode();
            }
            if (isConnectTimeout(t)) {
                return "Agent unreachable: connect timed out after " + Durations.seconds(requestTimeout) + " s";
            }
            if (t instanceof AgentSilenceException || t instanceof SocketTimeoutException) {
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
            if (t instanceof java.io.IOException || t instanceof HttpClosedException) {
                return "Agent stream failed: " + t.getMessage();
            }
        }
        return INTERNAL_ERROR;
    }

    /** What {@link #describe} says of a failure it does not recognise: a bug, or a case nobody has named yet. */
    public static final String INTERNAL_ERROR = "Internal error while answering";

    /** The kind of {@code failure}, for the gateway_agent_errors_total metric; looks at the same causes as describe. */
    public AgentError kind(Throwable failure) {
        Throwable t = failure;
        for (int depth = 0; t != null && depth < 8; depth++, t = t.getCause()) {
            if (t instanceof AgentStreamException) {
                return String.valueOf(t.getMessage()).contains("malformed") ? AgentError.MALFORMED : AgentError.OTHER;
            }
            if (t instanceof AgentStatusException) {
                return AgentError.STATUS;
            }
            if (isConnectTimeout(t) || t instanceof AgentSilenceException || t instanceof SocketTimeoutException) {
                return AgentError.TIMEOUT;
            }
            if (t instanceof ConnectException) {
                return AgentError.REFUSED;
            }
        }
        return AgentError.OTHER;
    }

    /**
     * The TCP connect timed out (Netty's, a {@link ConnectException}, so asked first), or no pooled connection to the
     * agent could be had in time (Vert.x fails the request with a {@link TimeoutException}).
     */
    private static boolean isConnectTimeout(Throwable t) {
        return t instanceof ConnectTimeoutException || t instanceof TimeoutException;
    }
}
