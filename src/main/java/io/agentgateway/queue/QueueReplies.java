package io.agentgateway.queue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A worker's reply, from this instance's reply channel: relayed to the socket whose request it answers, in the
 * order received. Anything else (not JSON, an unknown type, a session this instance does not hold) is logged
 * and dropped; nothing a worker sends can fail the route or reach another socket.
 */
public class QueueReplies implements Processor {

    static final String STREAM = "agent_judgement_stream";
    static final String FINAL = "agent_judgement_final";
    static final String CHAT = "assistant_message";
    static final String ERROR = "error";

    private static final Logger LOG = LoggerFactory.getLogger(QueueReplies.class);
    private static final int QUOTE_MAX = 200;

    private final ObjectMapper mapper;
    private final PendingJudgements judgements;
    private final QueuedTurns chatTurns;

    public QueueReplies(ObjectMapper mapper, PendingJudgements judgements, QueuedTurns chatTurns) {
        this.mapper = mapper;
        this.judgements = judgements;
        this.chatTurns = chatTurns;
    }

    @Override
    public void process(Exchange exchange) {
        String text = exchange.getMessage().getBody(String.class);
        JsonNode reply;
        try {
            reply = text == null ? null : mapper.readTree(text);
        } catch (Exception e) {
            reply = null;
        }
        if (reply == null || !reply.isObject()) {
            drop("not a JSON object", text);
            return;
        }
        String type = reply.path("type").asText("");
        if (type.equals(CHAT) || type.equals(ERROR)) {
            chat(type, reply, text);
            return;
        }
        if (!type.equals(STREAM) && !type.equals(FINAL)) {
            drop("unknown type '" + type + "'", text);
            return;
        }
        String sessionId = reply.path("session_id").asText("");
        String agentId = reply.path("agent_id").asText("");
        if (!reply.path("data").isObject()) {
            drop("no data object", text);
            return;
        }
        if (type.equals(FINAL) && !reply.path("result_code").isIntegralNumber()) {
            drop("a final needs an integer result_code", text);
            return;
        }
        if (!judgements.relay(sessionId, agentId, type.equals(FINAL), reply.toString())) {
            drop("no pending request here for session '" + sessionId + "' and agent '" + agentId + "'", text);
        }
    }

    /** {@code assistant_message} ({@code token}, {@code is_final}) or {@code error} for a chat turn. */
    private void chat(String type, JsonNode reply, String text) {
        String requestId = reply.path("session_id").asText("");
        boolean relayed;
        if (type.equals(ERROR)) {
            relayed = chatTurns.fail(requestId, "Agent reported an error: " + reply.path("error").asText("(no message)"));
        } else {
            JsonNode token = reply.get("token");
            if (token == null || !token.isTextual() || !reply.path("is_final").isBoolean()) {
                drop("an assistant_message needs a string token and a boolean is_final", text);
                return;
            }
            relayed = chatTurns.relay(requestId, token.asText(), reply.path("is_final").asBoolean());
        }
        if (!relayed) {
            drop("no chat turn here is waiting for session '" + requestId + "'", text);
        }
    }

    private static void drop(String why, String text) {
        String quoted = text == null ? "null" : text.length() > QUOTE_MAX ? text.substring(0, QUOTE_MAX) + "…" : text;
        LOG.warn("Dropped a worker reply: {}: {}", why, quoted);
    }
}
