package io.agentgateway.ws;

import io.agentgateway.common.ClientSocket;
import io.agentgateway.common.GatewayHeaders;
import io.agentgateway.common.ServerFrames;
import org.apache.camel.Exchange;
import org.apache.camel.Handler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a client hears when one of its frames fails (route configuration {@code frame-errors}): the socket stays
 * open and gets one {@code {"error": ...}}.
 */
public class FrameErrors {

    private static final Logger LOG = LoggerFactory.getLogger(FrameErrors.class);

    private final ServerFrames frames;

    public FrameErrors(ServerFrames frames) {
        this.frames = frames;
    }

    /** A refused frame ({@code FrameRejected}): its message tells the client what is wrong. */
    @Handler
    public void rejected(Exchange exchange) {
        reply(exchange, exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class).getMessage());
    }

    /** Anything else is the gateway's fault: logged whole, and the client only hears that it failed. */
    @Handler
    public void internal(Exchange exchange) {
        Throwable cause = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        LOG.error("Failed handling a frame of connection {}",
                exchange.getMessage().getHeader(GatewayHeaders.CONNECTION_KEY), cause);
        reply(exchange, "Internal error");
    }

    private void reply(Exchange exchange, String message) {
        ClientSocket socket = exchange.getProperty(GatewayHeaders.SOCKET, ClientSocket.class);
        if (socket != null) {
            socket.send(frames.error(message));
        }
    }
}
