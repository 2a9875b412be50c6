package io.agentgateway.demo;

import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.agentgateway.common.GatewayHeaders;
import org.apache.camel.Exchange;
import org.apache.camel.Handler;

/**
 * The built-in worker (routes/demo-worker.yaml), speaking only the documented reply contract as any external
 * worker would: a judgement job gets two thinking steps and a final judgement; a chat job gets the last user
 * message echoed word by word.
 */
public class DemoWorker {

    private final ObjectMapper mapper;
    private final List<String> redisKeys;

    public DemoWorker(ObjectMapper mapper, List<String> redisKeys) {
        this.mapper = mapper;
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
        String sessionId = job.path("session_id").asText();
        String agentId = job.path("agent_id").asText();
        String input = job.path("data").path("user_input").asText("");
        exchange.getMessage().setHeader(GatewayHeaders.REPLY_TO, job.path("reply_to").asText());

        if (job.path("data").has("messages")) {
            return chatReplies(sessionId, job.path("data").path("messages"));
        }
        List<String> replies = new ArrayList<>();
        replies.add(stream(sessionId, agentId, agentId + " is reading: " + input));
        replies.add(stream(sessionId, agentId, agentId + " counts " + input.split("\\s+").length + " words"));
        ObjectNode fin = frame("agent_judgement_final", sessionId, agentId);
        fin.put("result_code", 0);
        fin.putObject("data").put("judgement", agentId + " finds \"" + input + "\" reasonable");
        replies.add(fin.toString());
        return replies;
    }

    /** A chat job: the last user message echoed back word by word as assistant_message frames. */
    private List<String> chatReplies(String sessionId, JsonNode messages) {
        String last = messages.isEmpty() ? "" : messages.get(messages.size() - 1).path("content").asText("");
        List<String> replies = new ArrayList<>();
        for (String word : DemoAgent.words(last)) {
            replies.add(chatFrame(sessionId, word, false));
        }
        replies.add(chatFrame(sessionId, "", true));
        return replies;
    }

    private String chatFrame(String sessionId, String token, boolean isFinal) {
        ObjectNode f = mapper.createObjectNode();
        f.put("type", "assistant_message");
        f.put("session_id", sessionId);
        f.put("token", token);
        f.put("is_final", isFinal);
        return f.toString();
    }

    private String stream(String sessionId, String agentId, String thinking) {
        ObjectNode f = frame("agent_judgement_stream", sessionId, agentId);
        f.putObject("data").put("thinking", thinking);
        return f.toString();
    }

    private ObjectNode frame(String type, String sessionId, String agentId) {
        ObjectNode f = mapper.createObjectNode();
        f.put("type", type);
        f.put("session_id", sessionId);
        f.put("agent_id", agentId);
        return f;
    }
}
