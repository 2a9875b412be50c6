package io.agentgateway.common;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ServerFramesTest {

    private final ObjectMapper mapper = new ObjectMapper();
    private final ServerFrames frames = new ServerFrames(mapper);

    @Test
    void aTokenFrameIsValidJsonWhateverTheTokenHolds() throws Exception {
        String nasty = "say \"hi\"\\ \n\t\u0001 é 漢字 😀 </script>";
        JsonNode f = mapper.readTree(frames.token(nasty, false, 41));
        assertThat(f.path("type").asText()).isEqualTo("assistant_message");
        assertThat(f.path("token").asText()).isEqualTo(nasty);
        assertThat(f.path("is_final").asBoolean()).isFalse();
        assertThat(f.path("seq").asLong()).isEqualTo(41);
        assertThat(f.size()).isEqualTo(4);
        assertThat(mapper.readTree(frames.token("", true, 0)).path("is_final").asBoolean()).isTrue();
    }

    @Test
    void onlyANonFinalTokenFrameOfExactlyThatShapeCanBeMerged() throws Exception {
        byte[] a = utf8(frames.token("say \"hi\"\\", false, 3));
        byte[] b = utf8(frames.token(" 😀\\ é", false, 4));
        int aEnd = ServerFrames.tokenTextEnd(a);
        int bEnd = ServerFrames.tokenTextEnd(b);
        assertThat(aEnd).isPositive();
        assertThat(bEnd).as("a byte position, past the emoji's four bytes").isEqualTo(b.length - "\",\"is_final\":false,\"seq\":4}".length());
        java.io.ByteArrayOutputStream joined = new java.io.ByteArrayOutputStream();
        joined.write(a, ServerFrames.tokenTextStart(), aEnd - ServerFrames.tokenTextStart());
        joined.write(b, ServerFrames.tokenTextStart(), bEnd - ServerFrames.tokenTextStart());
        JsonNode merged = mapper.readTree(ServerFrames.mergedToken(joined.toByteArray(), 4));
        assertThat(merged.path("token").asText()).isEqualTo("say \"hi\"\\ 😀\\ é");
        assertThat(merged.path("seq").asLong()).isEqualTo(4);
        assertThat(merged.path("is_final").asBoolean()).isFalse();

        assertThat(ServerFrames.tokenTextEnd(utf8(frames.token("", true, 5)))).as("a final").isEqualTo(-1);
        assertThat(ServerFrames.tokenTextEnd(utf8(frames.cancelled(5)))).as("a cancelled final").isEqualTo(-1);
        assertThat(ServerFrames.tokenTextEnd(utf8(frames.turnError("no", 5)))).as("an error final").isEqualTo(-1);
        // a worker's reply, relayed as written: another field inside what looks like the token text
        assertThat(ServerFrames.tokenTextEnd(utf8(
                "{\"type\":\"assistant_message\",\"token\":\"a\",\"x\":\"b\",\"is_final\":false,\"seq\":7}")))
                .isEqualTo(-1);
        assertThat(ServerFrames.tokenTextEnd(utf8(
                "{\"type\":\"assistant_message\",\"token\":\"a\",\"is_final\":false,\"seq\":7,\"x\":1}")))
                .isEqualTo(-1);
        assertThat(ServerFrames.tokenTextEnd(utf8(
                "{\"type\":\"assistant_message\",\"token\":\"a\\\\\",\"is_final\":false,\"seq\":7}")))
                .as("a token ending in an escaped backslash").isPositive();
    }

    @Test
    void aTokenFrameBuiltAsUtf8IsByteForByteTheTokenFrameEncoded() {
        String plain = "plain words / <b> \u007f~";
        String quoted = "say \"hi\"\\ \n\t\u0001 é 漢字 😀 </script>";
        String loneSurrogate = "broken \ud800 pair \udc00";
        // Long.MIN_VALUE: the placeholder seq of a frame forwarded to another instance
        // each kind of character that needs quoting alone in an otherwise plain token, then all of them together
        for (String token : java.util.List.of("", plain, "a \"quote\"", "a back\\slash", "a\u001fcontrol", "café",
                quoted, loneSurrogate)) {
            for (long seq : new long[] {0, 9, 10, 12345, Long.MAX_VALUE, Long.MIN_VALUE}) {
                byte[] frame = ServerFrames.tokenUtf8(token, seq);
                assertThat(frame).as("%s #%d", token, seq).isEqualTo(utf8(frames.token(token, false, seq)));
                assertThat(ServerFrames.mergedToken(ServerFrames.quotedUtf8(token), seq)).isEqualTo(frame);
                if (seq >= 0) {
                    assertThat(ServerFrames.tokenTextEnd(frame, seq)).isEqualTo(ServerFrames.tokenTextEnd(frame));
                }
            }
        }
    }

    private static byte[] utf8(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }
}
