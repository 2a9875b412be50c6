package io.agentgateway.judgement;

import com.fasterxml.jackson.databind.JsonNode;
import io.agentgateway.common.GatewayHeaders;
import io.agentgateway.common.GatewayMetrics;
import io.agentgateway.common.GatewayMetrics.JudgementReply;
import io.agentgateway.queue.QueueReplies;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;

/**
 * The judgement-reply step: a worker's {@code agent_judgement_stream} or {@code agent_judgement_final}, relayed as the
 * worker wrote it to the socket that asked. A reply without {@code data} (or a final without an integer
 * {@code result_code}), or for a request or agent this instance is not waiting for, is logged and dropped.
 */
public class JudgementReplies implements Processor {

    static final String FINAL = "agent_judgement_final";

    private final PendingJudgements judgements;
    private final GatewayMetrics metrics;

    public JudgementReplies(PendingJudgements judgements, GatewayMetrics metrics) {
        this.judgements = judgements;
        this.metrics = metrics;
    }

    @Override
    public void process(Exchange exchange) {
        JsonNode reply = exchange.getProperty(GatewayHeaders.REPLY, JsonNode.class);
        boolean isFinal = FINAL.equals(exchange.getMessage().getHeader(GatewayHeaders.REPLY_TYPE, String.class));
        String sessionId = reply.path("session_id").asText("");
        String agentId = reply.path("agent_id").asText("");
        if (!reply.path("data").isObject()) {
            QueueReplies.drop("no data object", reply);
            return;
        }
        if (isFinal && !reply.path("result_code").isIntegralNumber()) {
            QueueReplies.drop("a final needs an integer result_code", reply);
            return;
        }
        // the text as the worker wrote it (its numbers, escapes and spacing), not the parsed tree written again
        String asWritten = exchange.getMessage().getBody(String.class);
        if (!judgements.relay(sessionId, agentId, isFinal, asWritten != null ? asWritten : reply.toString())) {
            QueueReplies.drop("no pending request here for session '" + sessionId + "' and agent '" + agentId + "'",
                    reply);
            return;
        }
        metrics.judgementReply(isFinal ? JudgementReply.FINAL : JudgementReply.STREAM);
    }
}
