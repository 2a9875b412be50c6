package io.agentgateway.chat;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.async.ByteArrayFeeder;
import com.fasterxml.jackson.core.io.JsonEOFException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.util.concurrent.FastThreadLocal;

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

    /**
     * One non-blocking parser per thread, fed line after line as a sequence of root values. A parser made per line
     * (its context, symbol table and buffers) was a third of all the bytes the gateway allocated per token at full
     * speed; this one is made once. Per thread rather than per stream, so 8,000 streams do not each hold one: a line
     * is fed and read to its end in one call, so streams on one event loop never interleave in it. A parser left
     * inside a value (a malformed line) or with input unread is replaced.
     */
    private final FastThreadLocal<JsonParser> parsers = new FastThreadLocal<>() {
        @Override
        protected JsonParser initialValue() throws IOException {
            return mapper.getFactory().createNonBlockingByteArrayParser();
        }
    };

    public AgentStreamDecoder(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    public Chunk decode(String line) {
        byte[] bytes = line.getBytes(StandardCharsets.UTF_8);
        return decode(bytes, 0, bytes.length);
    }

    /**
     * One line as UTF-8 bytes, without its line end: read in place, with no String made of the line (this runs per
     * token; only the token's text becomes one).
     */
    public Chunk decode(byte[] line, int offset, int length) {
        int end = offset + length;
        if (end > offset && line[end - 1] == '\r') {
            end--;
        }
        int first = skipSpace(line, offset, end);
        if (first == end || line[offset] == ':') {
            return Chunk.NOTHING; // blank, or an SSE comment
        }
        if (startsWith(line, offset, end, DATA)) {
            int data = offset + DATA.length;
            if (data < end && line[data] == ' ') {
                data++;
            }
            if (isDone(line, data, end)) {
                return Chunk.DONE;
            }
            return json(line, data, end);
        }
        if (startsWith(line, offset, end, EVENT) || startsWith(line, offset, end, ID)
                || startsWith(line, offset, end, RETRY)) {
            return Chunk.NOTHING;
        }
        if (line[first] == '{') {
            return json(line, offset, end);
        }
        throw new AgentStreamException("Agent sent a malformed stream: unexpected line '"
                + quote(line, offset, end) + "'");
    }

    private static final byte[] DATA = ascii("data:");
    private static final byte[] EVENT = ascii("event:");
    private static final byte[] ID = ascii("id:");
    private static final byte[] RETRY = ascii("retry:");
    private static final byte[] DONE = ascii("[DONE]");

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static boolean startsWith(byte[] b, int from, int end, byte[] prefix) {
        if (end - from < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (b[from + i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    /** {@code [DONE]}, with white space around it or not. */
    private static boolean isDone(byte[] b, int from, int end) {
        int start = skipSpace(b, from, end);
        int stop = end;
        while (stop > start && isSpace(b[stop - 1])) {
            stop--;
        }
        return stop - start == DONE.length && startsWith(b, start, stop, DONE);
    }

    private static int skipSpace(byte[] b, int from, int end) {
        int i = from;
        while (i < end && isSpace(b[i])) {
            i++;
        }
        return i;
    }

    /** White space as {@link String#strip} sees it, among ASCII characters. */
    private static boolean isSpace(byte b) {
        return b >= 0 && Character.isWhitespace(b);
    }

    /**
     * Reads the few fields the gateway uses with Jackson's streaming parser and skips the rest unread: this runs
     * per token, and binding each chunk to objects (records, or a tree) was a fifth of the event loop's time at
     * full speed. Accepts what binding accepted: scalars as text for {@code token}, {@code null} where an object
     * may be, the first of {@code choices}.
     */
    private Chunk json(byte[] line, int from, int to) {
        String token = null;
        boolean done = false;
        boolean hasChoices = false;
        boolean emptyChoices = false;
        JsonToken content = null;
        String contentText = null;
        JsonParser p = parsers.get();
        boolean clean = false;
        try {
            ((ByteArrayFeeder) p.getNonBlockingInputFeeder()).feedInput(line, from, to);
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new AgentStreamException("Agent sent a malformed stream: expected a JSON object: '" + quote(line, from, to) + "'");
            }
            for (String field = nextField(p); field != null; field = nextField(p)) {
                JsonToken value = next(p);
                switch (field) {
                    case "token" -> token = scalar(p, value, line, from, to);
                    case "done", "is_final" -> done |= value == JsonToken.VALUE_TRUE
                            || value == JsonToken.VALUE_STRING && "true".equals(p.getText());
                    case "error" -> {
                        if (value != JsonToken.VALUE_NULL) {
                            throw new AgentStreamException("Agent reported an error: " + errorMessage(line, from, to));
                        }
                    }
                    case "choices" -> {
                        if (value == JsonToken.START_ARRAY) {
                            hasChoices = true;
                            JsonToken first = next(p);
                            emptyChoices = first == JsonToken.END_ARRAY;
                            content = null;
                            contentText = null;
                            if (first == JsonToken.START_OBJECT) {
                                for (String f = nextField(p); f != null; f = nextField(p)) {
                                    JsonToken v = next(p);
                                    if (f.equals("delta") && v == JsonToken.START_OBJECT) {
                                        for (String d = nextField(p); d != null; d = nextField(p)) {
                                            JsonToken c = next(p);
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
                                while (next(p) != JsonToken.END_ARRAY) {
                                    p.skipChildren();
                                }
                            }
                        } else if (value != JsonToken.VALUE_NULL) {
                            throw new AgentStreamException("Agent sent a malformed stream: expected a JSON object: '" + quote(line, from, to) + "'");
                        }
                    }
                    default -> p.skipChildren();
                }
            }
            clean = readToEnd(p, line, to);
        } catch (IOException e) {
            throw new AgentStreamException("Agent sent a malformed stream: not JSON: '" + quote(line, from, to) + "'");
        } finally {
            if (!clean) {
                discard(p); // stopped inside the line, or text after its object (ignored, as it always was)
            }
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
                + "choices[0].delta.content nor token: '" + quote(line, from, to) + "'");
    }

    /** A scalar as text (a number or boolean as written), null for null; an object or array is malformed. */
    private static String scalar(JsonParser p, JsonToken value, byte[] line, int from, int to) throws IOException {
        if (value == JsonToken.VALUE_NULL) {
            return null;
        }
        if (value.isScalarValue()) {
            return p.getText();
        }
        throw new AgentStreamException("Agent sent a malformed stream: expected a JSON object: '" + quote(line, from, to) + "'");
    }

    private void discard(JsonParser p) {
        parsers.remove();
        try {
            p.close();
        } catch (IOException e) {
            // nothing to release: it reads only what it was fed
        }
    }

    /**
     * The next token of a line given whole: a non-blocking parser says NOT_AVAILABLE where a blocking one reads
     * past the end, and loops that wait for an end token would never see one.
     */
    private static JsonToken next(JsonParser p) throws IOException {
        JsonToken t = p.nextToken();
        if (t == null || t == JsonToken.NOT_AVAILABLE) {
            throw new JsonEOFException(p, t, "the line ends inside its JSON");
        }
        return t;
    }

    /**
     * True when the line is read to its end, so the parser is between root values again, ready for the next line;
     * false when text follows the object (ignored, as it always was, but the parser may be inside it).
     */
    private static boolean readToEnd(JsonParser p, byte[] line, int to) {
        try {
            if (((ByteArrayFeeder) p.getNonBlockingInputFeeder()).needMoreInput()) {
                return true; // the line ends with its object
            }
            int left = p.releaseBuffered(OutputStream.nullOutputStream()); // counts what is unread, reads nothing
            for (int i = to - left; i < to; i++) {
                if (!isSpace(line[i])) {
                    return false;
                }
            }
            return p.nextToken() == JsonToken.NOT_AVAILABLE; // takes the white space
        } catch (IOException e) {
            return false;
        }
    }

    /** The next field's name, or null at the end of the object. */
    private static String nextField(JsonParser p) throws IOException {
        return next(p) == JsonToken.FIELD_NAME ? p.currentName() : null;
    }

    /** The message of the line's {@code error} field, read again with a parser of its own: this is rare. */
    private String errorMessage(byte[] line, int from, int to) throws IOException {
        try (JsonParser p = mapper.getFactory().createParser(line, from, to - from)) {
            p.nextToken();
            for (String field = p.nextFieldName(); field != null; field = p.nextFieldName()) {
                p.nextToken();
                if (field.equals("error")) {
                    return errorMessage(mapper.readTree(p));
                }
                p.skipChildren();
            }
        }
        throw new IOException("no error field on a second reading");
    }

    private static String errorMessage(JsonNode error) {
        return error.isTextual() ? error.asText()
                : error.path("message").isTextual() ? error.path("message").asText() : error.toString();
    }

    private static String quote(byte[] line, int from, int to) {
        return quote(new String(line, from, to - from, StandardCharsets.UTF_8));
    }

    private static String quote(String s) {
        return s.length() <= QUOTE_MAX ? s : s.substring(0, QUOTE_MAX) + "…";
    }
}
