package io.agentgateway.session;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Checks that token frames carry whole tokens: each frame's text is exactly tokens[i..j] joined, the frames' ranges
 * tile the token list in order (no token split, skipped, repeated or reordered), and each frame's seq is the seq of
 * the last token it covers. A joined-text check alone would pass a token cut in two across frames.
 */
final class WholeTokens {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    /** One frame's place in the token list: tokens {@code first} to {@code last}, both included. */
    record Range(int first, int last, long seq, int utf8Bytes) {
        int tokens() {
            return last - first + 1;
        }
    }

    private WholeTokens() {
    }

    /**
     * Distinct tokens of varied lengths, with characters of 2, 3 and 4 UTF-8 bytes and JSON escapes among them, so
     * that a cut anywhere inside a token leaves a frame that is not a run of whole tokens.
     */
    static List<String> varied(int count) {
        IntFunction<String> filler = i -> switch (i % 7) {
            case 0 -> "";
            case 1 -> "ü";
            case 2 -> "€€";
            case 3 -> "\uD83D\uDE00"; // an emoji: 4 bytes, a surrogate pair in Java
            case 4 -> "x".repeat(i % 23);
            case 5 -> "\"q\\";        // quotes and a backslash: escaped in the frame, longer there than here
            default -> "ß€\uD83D\uDE80y".repeat(1 + i % 3);
        };
        List<String> tokens = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            tokens.add("<" + i + ">" + filler.apply(i) + " ");
        }
        return tokens;
    }

    /**
     * Asserts that {@code frames} (the text of non-final assistant_message frames, in the order received) tile
     * {@code tokens} from the first to the last, the token at index k having seq {@code firstSeq + k}. Returns each
     * frame's range.
     */
    static List<Range> assertTiled(List<String> tokens, long firstSeq, List<String> frames) throws Exception {
        List<Range> ranges = new ArrayList<>(frames.size());
        int next = 0;
        for (int f = 0; f < frames.size(); f++) {
            JsonNode frame = MAPPER.readTree(frames.get(f));
            assertThat(frame.path("type").asText()).as("frame %d is a token frame: %s", f, frame)
                    .isEqualTo("assistant_message");
            assertThat(frame.path("is_final").asBoolean()).as("frame %d is not a final", f).isFalse();
            String text = frame.path("token").asText();
            int first = next;
            int at = 0;
            // tokens are distinct and numbered, so consuming them in order is unambiguous
            while (next < tokens.size() && text.startsWith(tokens.get(next), at)) {
                at += tokens.get(next).length();
                next++;
            }
            assertThat(next).as("frame %d (seq %d) starts with token %d whole: %s", f,
                    frame.path("seq").asLong(), first, abbreviated(text)).isGreaterThan(first);
            assertThat(at).as("frame %d (seq %d), tokens %d..%d, ends on a token boundary; left over: %s", f,
                    frame.path("seq").asLong(), first, next - 1, abbreviated(text.substring(at)))
                    .isEqualTo(text.length());
            assertThat(frame.path("seq").asLong()).as("frame %d carries the seq of the last token it covers (%d)",
                    f, next - 1).isEqualTo(firstSeq + next - 1);
            ranges.add(new Range(first, next - 1, frame.path("seq").asLong(),
                    frames.get(f).getBytes(java.nio.charset.StandardCharsets.UTF_8).length));
        }
        assertThat(next).as("the frames cover every token").isEqualTo(tokens.size());
        return ranges;
    }

    private static String abbreviated(String s) {
        return s.length() <= 80 ? s : s.substring(0, 40) + "..." + s.substring(s.length() - 40);
    }
}
