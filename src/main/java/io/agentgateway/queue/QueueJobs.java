package io.agentgateway.queue;

import java.time.Clock;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Makes jobs in the documented queue contract (README, "Redis contract"): {@code job_id}, {@code session_id},
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
        ObjectNode job = mapper.createObjectNode();
        job.put("job_id", UUID.randomUUID().toString());
        job.put("session_id", requestId);
        job.put("agent_id", agentId);
        job.set("data", data);
        job.put("reply_to", replyChannel);
        job.put("created_at", clock.instant().toString());
        return job.toString();
    }
}
