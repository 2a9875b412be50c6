package io.agentgateway.http;

import io.agentgateway.common.HttpReplies;
import io.agentgateway.common.RequestRejected;
import io.agentgateway.common.ServerFrames;
import org.apache.camel.Exchange;
import org.apache.camel.Handler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** What an HTTP caller gets when its request fails (route configuration {@code http-errors}). */
public class HttpErrors {

    private static final Logger LOG = LoggerFactory.getLogger(HttpErrors.class);

    private final ServerFrames frames;

    public HttpErrors(ServerFrames frames) {
        this.frames = frames;
    }

    /** A refused request ({@code RequestRejected}): the status it names and {@code {"error": ...}}. */
    @Handler
    public void rejected(Exchange exchange) {
        RequestRejected rejected = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, RequestRejected.class);
        HttpReplies.json(exchange, rejected.status(), frames.error(rejected.getMessage()));
    }

    /** Anything else is the gateway's fault: logged whole, answered with a JSON 500. */
    @Handler
    public void internal(Exchange exchange) {
        LOG.error("Failed handling an HTTP request", exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class));
        HttpReplies.json(exchange, 500, frames.error("Internal error"));
    }
}
