package io.agentgateway.chat;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;

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

    /** The fields of a chunk the gateway reads; bound directly (no JSON tree per chunk: this runs per token). */
    @JsonIgnoreProperties(ignoreUnknown = true)
    record Wire(String token, Boolean done, @JsonProperty("is_final") Boolean isFinal, JsonNode error,
                List<WireChoice> choices) {
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    record WireChoice(WireDelta delta) {
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    record WireDelta(JsonNode content) {
    }

    private Chunk json(String text) {
        Wire w;
        try {
            w = mapper.readValue(text, Wire.class);
        } catch (MismatchedInputException e) {
            throw new AgentStreamException("Agent sent a malformed stream: expected a JSON object: '" + quote(text) + "'");
        } catch (JsonProcessingException e) {
            throw new AgentStreamException("Agent sent a malformed stream: not JSON: '" + quote(text) + "'");
        }
        if (w == null) {
            throw new AgentStreamException("Agent sent a malformed stream: expected a JSON object: '" + quote(text) + "'");
        }
        if (w.error() != null && !w.error().isNull()) {
            JsonNode error = w.error();
            String message = error.isTextual() ? error.asText()
                    : error.path("message").isTextual() ? error.path("message").asText() : error.toString();
            throw new AgentStreamException("Agent reported an error: " + message);
        }
        boolean done = Boolean.TRUE.equals(w.done()) || Boolean.TRUE.equals(w.isFinal());
        if (w.token() != null) {
            return new Chunk(w.token(), done);
        }
        if (w.choices() != null) {
            if (w.choices().isEmpty()) {
                return done ? Chunk.DONE : Chunk.NOTHING;
            }
            WireChoice first = w.choices().get(0);
            JsonNode content = first == null || first.delta() == null ? null : first.delta().content();
            if (content != null && content.isTextual()) {
                return new Chunk(content.asText(), done);
            }
            if (content == null || content.isNull()) {
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
