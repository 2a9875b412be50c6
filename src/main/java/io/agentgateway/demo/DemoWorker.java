package io.agentgateway.demo;

import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.agentgateway.common.GatewayHeaders;
import io.agentgateway.queue.QueueJobs;
import org.apache.camel.Exchange;
import org.apache.camel.Handler;

/**
 * The built-in worker (routes/demo-worker.yaml), speaking only the documented reply contract as any external
 * worker would: a judgement job gets two thinking steps and a final judgement; a chat job gets the last user
 * message echoed word by word.
 */
public class DemoWorker {

    private final ObjectMapper mapper;
    private final QueueJobs contract;
    private final List<String> redisKeys;

    public DemoWorker(ObjectMapper mapper, QueueJobs contract, List<String> redisKeys) {
        this.mapper = mapper;
        this.contract = contract;
        this.redisKeys = redisKeys;
    }

    /** The job lists the demo worker takes jobs from when jobs are in Redis. */
    public List<String> redisKeys() {
        return redisKeys;
    }

    /** The replies to a job, in order; sets the reply channel header. */
    @Handler
    public List<String> replies(Exchange exchange) throws Exception {
        JsonNode job = mapper.readTree(exchange.getMessage().getBody(String.class));
        String requestId = job.path("session_id").asText();
        String agentId = job.path("agent_id").asText();
        exchange.getMessage().setHeader(GatewayHeaders.REPLY_TO, job.path("reply_to").asText());

        List<String> replies = new ArrayList<>();
        if (job.path("data").has("messages")) {
            // a chat job: the last user message echoed back word by word
            JsonNode messages = job.path("data").path("messages");
            String last = messages.isEmpty() ? "" : messages.get(messages.size() - 1).path("content").asText("");
            for (String word : DemoAgent.words(last)) {
                replies.add(contract.chatReply(requestId, word, false));
            }
            replies.add(contract.chatReply(requestId, "", true));
            return replies;
        }
        String input = job.path("data").path("user_input").asText("");
        replies.add(contract.judgementStream(requestId, agentId, agentId + " is reading: " + input));
        replies.add(contract.judgementStream(requestId, agentId,
                agentId + " counts " + input.split("\\s+").length + " words"));
        replies.add(contract.judgementFinal(requestId, agentId, 0, agentId + " finds \"" + input + "\" reasonable"));
        return replies;
    }
}
