package io.agentgateway.chat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Lines cut from a body that arrives in chunks of any size, split anywhere. */
class AgentStreamLinesTest {

    private static final String BODY = "data: {\"token\":\"héllo 🌍\"}\r\n\r\n"
            + "data: {\"token\":\"two\"}\n\n"
            + "{\"token\":\"cr only\"}\r"
            + "{\"token\":\"last, no line end\"}";
    private static final List<String> LINES = List.of("data: {\"token\":\"héllo 🌍\"}", "",
            "data: {\"token\":\"two\"}", "", "{\"token\":\"cr only\"}", "{\"token\":\"last, no line end\"}");

    @Test
    void theSameLinesWhereverTheBodyIsCut() {
        byte[] body = BODY.getBytes(StandardCharsets.UTF_8);
        // every cut into two chunks (inside the 4-byte emoji, between \r and \n, ...), and one byte a chunk
        for (int cut = 0; cut <= body.length; cut++) {
            assertThat(linesOf(Arrays.copyOfRange(body, 0, cut), Arrays.copyOfRange(body, cut, body.length)))
                    .as("cut at byte %d", cut).isEqualTo(LINES);
        }
        byte[][] single = new byte[body.length][];
        for (int i = 0; i < body.length; i++) {
            single[i] = new byte[] {body[i]};
        }
        assertThat(linesOf(single)).isEqualTo(LINES);
    }

    @Test
    void aCrAtTheEndOfAChunkAndALfAtTheStartOfTheNextAreOneLineEnd() {
        assertThat(linesOf(bytes("a\r"), bytes(""), bytes("\nb\r"), bytes("\r\n"))).containsExactly("a", "b", "");
    }

    @Test
    void theHandlerCanStopTheChunk() {
        AgentStreamLines lines = new AgentStreamLines(1024);
        List<String> seen = new ArrayList<>();
        boolean goOn = lines.feed(bytes("one\ntwo\nthree\n"), text(line -> seen.add(line) && !line.equals("two")));
        assertThat(goOn).isFalse();
        assertThat(seen).containsExactly("one", "two");
    }

    @Test
    void aLineOverTheLimitIsAMalformedStreamEvenWhenItComesInPieces() {
        AgentStreamLines lines = new AgentStreamLines(8);
        assertThat(lines.feed(bytes("12345678\n1234"), (b, o, n) -> true)).isTrue();
        assertThatThrownBy(() -> lines.feed(bytes("56789"), (b, o, n) -> true))
                .isInstanceOf(AgentStreamException.class)
                .hasMessage("Agent sent a malformed stream: a line longer than 8 bytes");
        assertThatThrownBy(() -> new AgentStreamLines(8).feed(bytes("123456789\n"), (b, o, n) -> true))
                .isInstanceOf(AgentStreamException.class);
    }

    @Test
    void aChunkReadInPlaceFromABiggerArrayIsReadOnlyWithinItsRange() {
        // each received buffer's bytes sit in an array with others around them: "xx" must never be read
        byte[] first = bytes("xxdata: one\r\ndata: tw\rxx");
        byte[] second = bytes("xx\nlast\nxx");
        AgentStreamLines lines = new AgentStreamLines(1024);
        List<String> out = new ArrayList<>();
        assertThat(lines.feed(first, 2, first.length - 2, text(out::add))).isTrue();
        assertThat(lines.feed(second, 2, second.length - 2, text(out::add))).isTrue();
        lines.finish(text(out::add));
        assertThat(out).containsExactly("data: one", "data: tw", "last");
    }

    private static List<String> linesOf(byte[]... chunks) {
        AgentStreamLines lines = new AgentStreamLines(1024);
        List<String> out = new ArrayList<>();
        for (byte[] chunk : chunks) {
            lines.feed(chunk, text(out::add));
        }
        lines.finish(text(out::add));
        return out;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** The handler told each line as text: the bytes are read during the call, as the decoder does. */
    private static AgentStreamLines.LineHandler text(java.util.function.Predicate<String> handler) {
        return (b, offset, length) -> handler.test(new String(b, offset, length, StandardCharsets.UTF_8));
    }
}
