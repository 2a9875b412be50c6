package io.agentgateway.demo;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Semaphore;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.http.HttpServerResponse;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.apache.camel.component.platform.http.vertx.HttpMessage;

/**
 * The built-in agent used when no GATEWAY__AGENT_URL is set: an OpenAI-compatible chat-completions endpoint that
 * streams the last user message back word by word, at a human pace.
 * <p>
 * It writes its SSE to the Vert.x response itself: platform-http would buffer a streamed body into 8 KB
 * reads, which is no stream at all for a few words. That holds the platform-http worker thread for the length
 * of the answer, so the number of answers at once is bounded; past it the demo answers 503.
 */
public class DemoAgent implements Processor {

    private static final Pattern WORD = Pattern.compile("\\S+\\s*|\\s+");

    private final ObjectMapper mapper;
    private final Duration wordDelay;
    private final Semaphore slots;

    public DemoAgent(ObjectMapper mapper, Duration wordDelay, int maxStreams) {
        this.mapper = mapper;
        this.wordDelay = wordDelay;
        this.slots = new Semaphore(maxStreams);
    }

    @Override
    public void process(Exchange exchange) throws Exception {
        HttpServerResponse response = exchange.getIn(HttpMessage.class).getResponse();
        if (!slots.tryAcquire()) {
            response.setStatusCode(503).putHeader("Content-Type", "application/json")
                    .end("{\"error\":\"demo agent busy\"}");
            return;
        }
        try {
            stream(lastUserMessage(exchange.getMessage().getBody(String.class)), response);
        } finally {
            slots.release();
        }
    }

    private void stream(String text, HttpServerResponse response) throws InterruptedException {
        String id = "demo-" + UUID.randomUUID();
        response.setChunked(true)
                .putHeader("Content-Type", "text/event-stream")
                .putHeader("Cache-Control", "no-cache");
        for (String word : words(text)) {
            if (response.closed()) {
                break; // the caller went away: stop talking
            }
            response.write("data: " + chunk(id, word) + "\n\n");
            Thread.sleep(wordDelay.toMillis());
        }
        // always end, even on a closed connection: platform-http writes a response of its own to one not ended
        try {
            response.end(response.closed() ? "" : "data: [DONE]\n\n");
        } catch (IllegalStateException alreadyGone) {
            // nothing more to send
        }
    }

    public static List<String> words(String text) {
        List<String> words = new ArrayList<>();
        Matcher m = WORD.matcher(text);
        while (m.find()) {
            words.add(m.group());
        }
        return words;
    }

    private String chunk(String id, String content) {
        ObjectNode n = mapper.createObjectNode();
        n.put("id", id);
        n.put("object", "chat.completion.chunk");
        n.put("model", "demo");
        n.putArray("choices").addObject().put("index", 0).putObject("delta").put("content", content);
        return n.toString();
    }

    private String lastUserMessage(String body) {
        try {
            JsonNode messages = mapper.readTree(body == null ? "{}" : body).path("messages");
            for (int i = messages.size() - 1; i >= 0; i--) {
                if ("user".equals(messages.get(i).path("role").asText())) {
                    return messages.get(i).path("content").asText("");
                }
            }
        } catch (Exception e) {
            return "I could not read that request.";
        }
        return "";
    }
}
