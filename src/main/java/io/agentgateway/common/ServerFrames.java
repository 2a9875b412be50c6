package io.agentgateway.common;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Builds every JSON text frame the gateway itself sends to clients (worker replies on {@code /ws} are relayed as the
 * worker wrote them). Stateless.
 */
public final class ServerFrames {

    /** result_code of the final the gateway sends for an agent that did not answer in time. */
    public static final int JUDGEMENT_TIMED_OUT = 504;

    private final ObjectMapper mapper;

    public ServerFrames(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    /**
     * One piece of an answer: {@code {"type": "assistant_message", "token": "...", "is_final": false, "seq": n}}.
     * Written straight into a string (one per token, on the hot path) rather than through a JSON tree.
     */
    public String token(String token, boolean isFinal, long seq) {
        // head, tail and a seq of up to 20 digits fit without the builder growing (a copy per token)
        StringBuilder sb = new StringBuilder(TOKEN_HEAD.length() + OPEN_TOKEN_TAIL.length() + 24 + token.length() + 8);
        sb.append(TOKEN_HEAD);
        JsonStringEncoder.getInstance().quoteAsString(token, sb);
        return sb.append("\",\"is_final\":").append(isFinal).append(",\"seq\":").append(seq).append('}').toString();
    }

    /**
     * {@code text} JSON-quoted, as UTF-8: with {@link #mergedToken} the same bytes as {@link #token} encoded, built
     * without the string in between. A lone surrogate (which UTF-8 cannot carry) becomes '?', as in {@code token}.
     */
    static byte[] quotedUtf8(String text) {
        try {
            return JsonStringEncoder.getInstance().quoteAsUTF8(text);
        } catch (IllegalArgumentException brokenSurrogate) {
            return new String(JsonStringEncoder.getInstance().quoteAsString(text)).getBytes(StandardCharsets.UTF_8);
        }
    }

    private static final String TOKEN_HEAD = "{\"type\":\"assistant_message\",\"token\":\"";
    private static final String OPEN_TOKEN_TAIL = "\",\"is_final\":false,\"seq\":";

    /**
     * Where the quoted token text of a non-final {@link #token} frame, as UTF-8, ends (its text is {@code frame} from
     * {@link #tokenTextStart()} to here), or -1 when {@code frame} is anything else. Such frames can be merged
     * ({@link #mergedToken}): concatenating quoted JSON string contents quotes the concatenation. Worker replies are
     * relayed as the worker wrote them, so the shape is checked exactly, including that the text between the quotes
     * is one JSON string (no unescaped quote) rather than several fields.
     */
    public static int tokenTextEnd(byte[] frame) {
        int n = frame.length;
        if (!startsWith(frame, TOKEN_HEAD_UTF8) || frame[n - 1] != '}') {
            return -1;
        }
        int end = lastIndexOf(frame, OPEN_TOKEN_TAIL_UTF8);
        if (end < TOKEN_HEAD_UTF8.length) {
            return -1;
        }
        for (int i = end + OPEN_TOKEN_TAIL_UTF8.length; i < n - 1; i++) {
            byte c = frame[i];
            if ((c < '0' || c > '9') && c != '-') {
                return -1; // not just a seq after the tail
            }
        }
        // in UTF-8 no byte of a multi-byte character is below 0x80: a quote or backslash byte is that character
        for (int i = TOKEN_HEAD_UTF8.length; i < end; i++) {
            byte c = frame[i];
            if (c == '\\') {
                i++; // the escaped character, whatever it is
            } else if (c == '"') {
                return -1;
            }
        }
        return end;
    }

    /** Where the quoted token text of a frame that {@link #tokenTextEnd} accepts begins. */
    public static int tokenTextStart() {
        return TOKEN_HEAD_UTF8.length;
    }

    /**
     * One non-final token frame, as UTF-8, carrying {@code quotedText} (already JSON-quoted, e.g. several frames'
     * token texts joined) under {@code seq}, the highest seq of the frames it stands for.
     */
    public static byte[] mergedToken(byte[] quotedText, long seq) {
        byte[] frame = new byte[mergedTokenBytes(quotedText.length, seq)];
        int at = put(frame, 0, TOKEN_HEAD_UTF8);
        at = put(frame, at, quotedText);
        return endToken(frame, at, seq);
    }

    /**
     * The non-final {@link #token} frame, as UTF-8, built at once: byte for byte that frame encoded. A token of
     * printable ASCII without a quote or backslash (most of them) is copied as it is: nothing to quote, no array but
     * the frame.
     */
    public static byte[] tokenUtf8(String token, long seq) {
        int n = token.length();
        for (int i = 0; i < n; i++) {
            char c = token.charAt(i);
            if (c < 0x20 || c >= 0x80 || c == '"' || c == '\\') { // what JSON quoting would change, or not ASCII
                return mergedToken(quotedUtf8(token), seq);
            }
        }
        byte[] frame = new byte[TOKEN_HEAD_UTF8.length + n + OPEN_TOKEN_TAIL_UTF8.length + digits(seq) + 1];
        int at = put(frame, 0, TOKEN_HEAD_UTF8);
        for (int i = 0; i < n; i++) {
            frame[at++] = (byte) token.charAt(i);
        }
        return endToken(frame, at, seq);
    }

    /** The size of the {@link #mergedToken} frame of {@code quotedTextBytes} of text under {@code seq}. */
    public static int mergedTokenBytes(int quotedTextBytes, long seq) {
        return TOKEN_HEAD_UTF8.length + quotedTextBytes + OPEN_TOKEN_TAIL_UTF8.length + digits(seq) + 1;
    }

    /** Where the token text of a frame {@link #tokenUtf8} or {@link #mergedToken} made for {@code seq} ends. */
    public static int tokenTextEnd(byte[] frame, long seq) {
        return frame.length - 1 - digits(seq) - OPEN_TOKEN_TAIL_UTF8.length;
    }

    /** Writes the tail of a non-final token frame and its seq from {@code at} on; the frame is sized to end there. */
    private static byte[] endToken(byte[] frame, int at, long seq) {
        at = put(frame, at, OPEN_TOKEN_TAIL_UTF8);
        if (seq < 0) {
            put(frame, at, Long.toString(seq).getBytes(StandardCharsets.US_ASCII)); // only a placeholder is negative
        } else {
            long rest = seq;
            for (int i = frame.length - 2; i >= at; i--) {
                frame[i] = (byte) ('0' + rest % 10);
                rest /= 10;
            }
        }
        frame[frame.length - 1] = '}';
        return frame;
    }

    private static int digits(long value) {
        if (value < 0) {
            return Long.toString(value).length();
        }
        int digits = 1;
        for (long rest = value; rest >= 10; rest /= 10) {
            digits++;
        }
        return digits;
    }

    private static final byte[] TOKEN_HEAD_UTF8 = TOKEN_HEAD.getBytes(StandardCharsets.US_ASCII);
    private static final byte[] OPEN_TOKEN_TAIL_UTF8 = OPEN_TOKEN_TAIL.getBytes(StandardCharsets.US_ASCII);

    private static int put(byte[] into, int at, byte[] part) {
        System.arraycopy(part, 0, into, at, part.length);
        return at + part.length;
    }

    private static boolean startsWith(byte[] b, byte[] prefix) {
        return b.length >= prefix.length && Arrays.equals(b, 0, prefix.length, prefix, 0, prefix.length);
    }

    private static int lastIndexOf(byte[] b, byte[] part) {
        for (int i = b.length - part.length; i >= 0; i--) {
            if (Arrays.equals(b, i, i + part.length, part, 0, part.length)) {
                return i;
            }
        }
        return -1;
    }

    /** The last frame of a cancelled answer. */
    public String cancelled(long seq) {
        ObjectNode n = mapper.createObjectNode();
        n.put("type", "assistant_message");
        n.put("token", "");
        n.put("is_final", true);
        n.put("cancelled", true);
        n.put("seq", seq);
        return write(n);
    }

    /** The one frame that ends a failed answer: {@code {"type": "error", "error": "...", "is_final": true}}. */
    public String turnError(String message, long seq) {
        ObjectNode n = mapper.createObjectNode();
        n.put("type", "error");
        n.put("error", message);
        n.put("is_final", true);
        n.put("seq", seq);
        return write(n);
    }

    /** A refused client frame: {@code {"error": "..."}}, as the seed protocols answer bad input. */
    public String error(String message) {
        ObjectNode n = mapper.createObjectNode();
        n.put("error", message);
        return write(n);
    }

    /**
     * The first frame on a socket that reconnected with {@code last_seq}: whether every frame after it follows
     * ({@code recovered}), or why not.
     */
    public String resumed(long lastSeq, boolean recovered, String error) {
        ObjectNode n = mapper.createObjectNode();
        n.put("type", "resumed");
        n.put("last_seq", lastSeq);
        n.put("recovered", recovered);
        if (error != null) {
            n.put("error", error);
        }
        return write(n);
    }

    /** A JSON object frame with the session stream's {@code seq} added as its last field. */
    public static String withSeq(String jsonObject, long seq) {
        int end = jsonObject.lastIndexOf('}');
        if (end < 0) {
            throw new IllegalArgumentException("not a JSON object: " + jsonObject);
        }
        String head = jsonObject.substring(0, end).stripTrailing();
        return head + (head.endsWith("{") ? "" : ",") + "\"seq\":" + seq + "}";
    }

    /** A trusted service's tool call, pushed to the client. */
    public String toolCall(String callId, String name, JsonNode arguments) {
        ObjectNode n = mapper.createObjectNode();
        n.put("type", "tool_call");
        n.put("call_id", callId);
        n.put("name", name);
        n.set("arguments", arguments);
        return write(n);
    }

    /** The final the gateway makes for an agent that sent no final judgement in time. */
    public String judgementTimedOut(String sessionId, String agentId, Duration timeout) {
        ObjectNode n = mapper.createObjectNode();
        n.put("type", "agent_judgement_final");
        n.put("session_id", sessionId);
        n.put("agent_id", agentId);
        n.put("result_code", JUDGEMENT_TIMED_OUT);
        n.put("error", "No final judgement from " + agentId + " within " + Durations.seconds(timeout) + " s");
        n.putObject("data");
        return write(n);
    }

    public String write(Object node) {
        try {
            return mapper.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise frame", e);
        }
    }
}
