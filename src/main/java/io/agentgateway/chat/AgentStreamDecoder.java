package io.agentgateway.chat;

import java.io.IOException;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
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

    /**
     * Reads the few fields the gateway uses with Jackson's streaming parser and skips the rest unread: this runs
     * per token, and binding each chunk to objects (records, or a tree) was a fifth of the event loop's time at
     * full speed. Accepts what binding accepted: scalars as text for {@code token}, {@code null} where an object
     * may be, the first of {@code choices}.
     */
    private Chunk json(String text) {
        String token = null;
        boolean done = false;
        boolean hasChoices = false;
        boolean emptyChoices = false;
        JsonToken content = null;
        String contentText = null;
        try (JsonParser p = mapper.getFactory().createParser(text)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new AgentStreamException("Agent sent a malformed stream: expected a JSON object: '" + quote(text) + "'");
            }
            for (String field = p.nextFieldName(); field != null; field = p.nextFieldName()) {
                JsonToken value = p.nextToken();
                switch (field) {
                    case "token" -> token = scalar(p, value, text);
                    case "done", "is_final" -> done |= value == JsonToken.VALUE_TRUE
                            || value == JsonToken.VALUE_STRING && "true".equals(p.getText());
                    case "error" -> {
                        if (value != JsonToken.VALUE_NULL) {
                            throw new AgentStreamException("Agent reported an error: " + errorMessage(mapper.readTree(p)));
                        }
                    }
                    case "choices" -> {
                        if (value == JsonToken.START_ARRAY) {
                            hasChoices = true;
                            JsonToken first = p.nextToken();
                            emptyChoices = first == JsonToken.END_ARRAY;
                            content = null;
                            contentText = null;
                            if (first == JsonToken.START_OBJECT) {
                                for (String f = p.nextFieldName(); f != null; f = p.nextFieldName()) {
                                    JsonToken v = p.nextToken();
                                    if (f.equals("delta") && v == JsonToken.START_OBJECT) {
                                        for (String d = p.nextFieldName(); d != null; d = p.nextFieldName()) {
                                            JsonToken c = p.nextToken();
                                            if (d.equals("content")) {
                                                content = c;
                                                contentText = c == JsonToken.VALUE_STRING ? p.getText() : null;
                                            }
                                            p.skipChildren();
                                        }
                                    } else {
                                        p.skipChildren();
                                    }
                                }
                            } else if (first != JsonToken.END_ARRAY) {
                                p.skipChildren();
                            }
                            if (!emptyChoices) {
                                while (p.nextToken() != JsonToken.END_ARRAY) {
                                    p.skipChildren();
                                }
                            }
                        } else if (value != JsonToken.VALUE_NULL) {
                            throw new AgentStreamException("Agent sent a malformed stream: expected a JSON object: '" + quote(text) + "'");
                        }
                    }
                    default -> p.skipChildren();
                }
            }
        } catch (IOException e) {
            throw new AgentStreamException("Agent sent a malformed stream: not JSON: '" + quote(text) + "'");
        }
        if (token != null) {
            return new Chunk(token, done);
        }
        if (hasChoices) {
            if (emptyChoices) {
                return done ? Chunk.DONE : Chunk.NOTHING;
            }
            if (contentText != null) {
                return new Chunk(contentText, done);
            }
            if (content == null || content == JsonToken.VALUE_NULL) {
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

    /** A scalar as text (a number or boolean as written), null for null; an object or array is malformed. */
    private static String scalar(JsonParser p, JsonToken value, String text) throws IOException {
        if (value == JsonToken.VALUE_NULL) {
            return null;
        }
        if (value.isScalarValue()) {
            return p.getText();
        }
        throw new AgentStreamException("Agent sent a malformed stream: expected a JSON object: '" + quote(text) + "'");
    }

    private static String errorMessage(JsonNode error) {
        return error.isTextual() ? error.asText()
                : error.path("message").isTextual() ? error.path("message").asText() : error.toString();
    }

    private static String quote(String s) {
        return s.length() <= QUOTE_MAX ? s : s.substring(0, QUOTE_MAX) + "…";
    }
}
