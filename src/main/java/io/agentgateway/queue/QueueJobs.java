package io.agentgateway.queue;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.util.UUID;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The documented queue contract (README, "Redis contract"): the jobs the gateway makes, and the replies a worker
 * sends (the built-in worker uses these). A job has {@code job_id}, {@code session_id},
 * {@code agent_id}, {@code data}, {@code reply_to} (this instance's reply channel) and {@code created_at}.
 */
public final class QueueJobs {

    private final ObjectMapper mapper;
    private final String replyChannel;
    private final Clock clock;

    public QueueJobs(ObjectMapper mapper, String replyChannel, Clock clock) {
        this.mapper = mapper;
        this.replyChannel = replyChannel;
        this.clock = clock;
    }

    /** A new request id: the {@code session_id} of the jobs of one request, echoed by every reply. */
    public static String newRequestId() {
        return UUID.randomUUID().toString();
    }

    /** One job, as JSON text. */
    public String job(String requestId, String agentId, JsonNode data) {
        // written field by field: a tree's toString() sets up a whole ObjectWriter for each job (a third of the
        // CPU of starting a judgement)
        StringWriter text = new StringWriter(128);
        try (JsonGenerator job = mapper.createGenerator(text)) {
            job.writeStartObject();
            job.writeStringField("job_id", UUID.randomUUID().toString());
            job.writeStringField("session_id", requestId);
            job.writeStringField("agent_id", agentId);
            job.writeFieldName("data");
            job.writeTree(data);
            job.writeStringField("reply_to", replyChannel);
            job.writeStringField("created_at", clock.instant().toString());
            job.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a StringWriter does not fail
        }
        return text.toString();
    }

    /** A worker's {@code agent_judgement_stream} reply: one thought of an agent. */
    public String judgementStream(String requestId, String agentId, String thinking) {
        ObjectNode f = reply("agent_judgement_stream", requestId);
        f.put("agent_id", agentId);
        f.putObject("data").put("thinking", thinking);
        return f.toString();
    }

    /** A worker's {@code agent_judgement_final} reply. */
    public String judgementFinal(String requestId, String agentId, int resultCode, String judgement) {
        ObjectNode f = reply("agent_judgement_final", requestId);
        f.put("agent_id", agentId);
        f.put("result_code", resultCode);
        f.putObject("data").put("judgement", judgement);
        return f.toString();
    }

    /** A worker's {@code assistant_message} reply to a chat job. */
    public String chatReply(String requestId, String token, boolean isFinal) {
        ObjectNode f = reply("assistant_message", requestId);
        f.put("token", token);
        f.put("is_final", isFinal);
        return f.toString();
    }

    private ObjectNode reply(String type, String requestId) {
        ObjectNode f = mapper.createObjectNode();
        f.put("type", type);
        f.put("session_id", requestId);
        return f;
    }
}
