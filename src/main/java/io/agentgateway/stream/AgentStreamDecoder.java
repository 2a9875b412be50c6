package io.agentgateway.stream;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Reads an agent's streamed answer line by line, whichever of the three accepted formats it is in:
 * <ul>
 * <li>OpenAI-compatible SSE: {@code data: {"choices":[{"delta":{"content":"..."}}]}} ending with {@code data: [DONE]};</li>
 * <li>plain SSE: {@code data: {"token": "..."}};</li>
 * <li>NDJSON: one {@code {"token": "..."}} (or chat-completions chunk) object per line.</li>
 * </ul>
 * The format is told per line (an SSE line starts with a field name, an NDJSON line with {@code {}), so nothing
 * depends on the Content-Type the agent declares. A JSON chunk with an {@code error} field fails the turn.
 */
public final class AgentStreamDecoder {

    /** What one line means: a piece of the answer, the end of it, or neither. */
    public record Chunk(String token, boolean done) {
        static final Chunk NOTHING = new Chunk(null, false);
        static final Chunk DONE = new Chunk(null, true);
    }

    private static final int QUOTE_MAX = 80;

    private final ObjectMapper mapper;

    public AgentStreamDecoder(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    public Chunk decode(String rawLine) {
        String line = rawLine.endsWith("\r") ? rawLine.substring(0, rawLine.length() - 1) : rawLine;
        if (line.isBlank() || line.startsWith(":")) {
            return Chunk.NOTHING;
        }
        if (line.startsWith("data:")) {
            String data = line.substring(5);
            if (data.startsWith(" ")) {
                data = data.substring(1);
            }
            if (data.strip().equals("[DONE]")) {
                return Chunk.DONE;
            }
            return json(data);
        }
        if (line.startsWith("event:") || line.startsWith("id:") || line.startsWith("retry:")) {
            return Chunk.NOTHING;
        }
        if (line.stripLeading().startsWith("{")) {
            return json(line);
        }
        throw new AgentStreamException("Agent sent a malformed stream: unexpected line '" + quote(line) + "'");
    }

    private Chunk json(String text) {
        JsonNode node;
        try {
            node = mapper.readTree(text);
        } catch (JsonProcessingException e) {
            throw new AgentStreamException("Agent sent a malformed stream: not JSON: '" + quote(text) + "'");
        }
        if (node == null || !node.isObject()) {
            throw new AgentStreamException("Agent sent a malformed stream: expected a JSON object: '" + quote(text) + "'");
        }
        JsonNode error = node.get("error");
        if (error != null && !error.isNull()) {
            String message = error.isTextual() ? error.asText()
                    : error.path("message").isTextual() ? error.path("message").asText() : error.toString();
            throw new AgentStreamException("Agent reported an error: " + message);
        }
        boolean done = node.path("done").asBoolean(false) || node.path("is_final").asBoolean(false);
        JsonNode token = node.get("token");
        if (token != null && token.isTextual()) {
            return new Chunk(token.asText(), done);
        }
        JsonNode choices = node.get("choices");
        if (choices != null && choices.isArray()) {
            if (choices.isEmpty()) {
                return done ? Chunk.DONE : Chunk.NOTHING;
            }
            JsonNode content = choices.get(0).path("delta").path("content");
            if (content.isTextual()) {
                return new Chunk(content.asText(), done);
            }
            if (content.isMissingNode() || content.isNull()) {
                // role-only first chunk, or the finish_reason chunk
                return done ? Chunk.DONE : Chunk.NOTHING;
            }
        }
        if (done) {
            return Chunk.DONE;
        }
        throw new AgentStreamException("Agent sent a malformed stream: chunk has neither "
                + "choices[0].delta.content nor token: '" + quote(text) + "'");
    }

    private static String quote(String s) {
        return s.length() <= QUOTE_MAX ? s : s.substring(0, QUOTE_MAX) + "…";
    }
}
