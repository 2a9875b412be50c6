package io.agentgateway.queue;

import io.agentgateway.GatewayHeaders;
import io.agentgateway.session.SessionRegistry;
import io.agentgateway.ws.VertxClientSocket;
import io.vertx.core.http.ServerWebSocket;
import org.apache.camel.Exchange;
import org.apache.camel.Handler;

/**
 * Sockets of the judgement protocol ({@code /ws}): they have no session of their own (each request gets one), so
 * they are kept by connection key; a closed socket's requests are forgotten.
 */
public class JudgeSocketLifecycle {

    private final SessionRegistry sockets;
    private final PendingJudgements judgements;

    public JudgeSocketLifecycle(SessionRegistry sockets, PendingJudgements judgements) {
        this.sockets = sockets;
        this.judgements = judgements;
    }

    @Handler
    public void open(Exchange exchange) {
        String key = exchange.getMessage().getHeader(GatewayHeaders.CONNECTION_KEY, String.class);
        sockets.register(new VertxClientSocket(exchange.getMessage().getBody(ServerWebSocket.class), key, key));
    }

    /** Puts the socket a frame came from on the exchange. */
    @Handler
    public void resolve(Exchange exchange) {
        String key = exchange.getMessage().getHeader(GatewayHeaders.CONNECTION_KEY, String.class);
        exchange.setProperty(GatewayHeaders.SOCKET, sockets.requireByConnection(key));
    }

    @Handler
    public void close(Exchange exchange) {
        String key = exchange.getMessage().getHeader(GatewayHeaders.CONNECTION_KEY, String.class);
        sockets.findByConnection(key).ifPresent(sockets::unregister);
        judgements.dropConnection(key);
    }
}
