package io.agentgateway.judgement;

import io.agentgateway.common.ClientSocket;
import io.agentgateway.common.GatewayHeaders;
import org.apache.camel.Exchange;
import org.apache.camel.Handler;

/**
 * Sockets of the judgement protocol ({@code /ws}) have no session of their own (each request gets one): a closed
 * socket's requests are forgotten, and late replies to them are dropped.
 */
public class JudgeSocketLifecycle {

    private final PendingJudgements judgements;

    public JudgeSocketLifecycle(PendingJudgements judgements) {
        this.judgements = judgements;
    }

    @Handler
    public void close(Exchange exchange) {
        judgements.dropConnection(exchange.getProperty(GatewayHeaders.SOCKET, ClientSocket.class).connectionKey());
    }
}
