package io.agentgateway.chat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.agentgateway.chat.AgentStreamDecoder.Chunk;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AgentStreamDecoderTest {

    private final AgentStreamDecoder decoder = new AgentStreamDecoder(new ObjectMapper());

    @Test
    void openAiChunks() {
        assertThat(decoder.decode("data: {\"choices\":[{\"delta\":{\"role\":\"assistant\"}}]}"))
                .isEqualTo(new Chunk(null, false));
        assertThat(decoder.decode("data: {\"choices\":[{\"delta\":{\"content\":\"Hel\"}}]}"))
                .isEqualTo(new Chunk("Hel", false));
        assertThat(decoder.decode("data:{\"choices\":[{\"delta\":{\"content\":\" lo\"}}]}\r"))
                .isEqualTo(new Chunk(" lo", false));
        assertThat(decoder.decode("data: {\"choices\":[{\"delta\":{},\"finish_reason\":\"stop\"}]}"))
                .isEqualTo(new Chunk(null, false));
        assertThat(decoder.decode("data: [DONE]")).isEqualTo(new Chunk(null, true));
    }

    @Test
    void plainSseAndNdjson() {
        assertThat(decoder.decode("data: {\"token\":\"a\"}")).isEqualTo(new Chunk("a", false));
        assertThat(decoder.decode("{\"token\":\"b\"}")).isEqualTo(new Chunk("b", false));
        assertThat(decoder.decode("{\"token\":\"c\",\"is_final\":true}")).isEqualTo(new Chunk("c", true));
    }

    @Test
    void skipsSseFieldsCommentsAndBlankLines() {
        for (String line : new String[] {"", "\r", ": keep-alive", "event: token", "id: 4", "retry: 1000"}) {
            assertThat(decoder.decode(line)).isEqualTo(new Chunk(null, false));
        }
    }

    @Test
    void malformedLinesAndAgentErrorsFailTheTurn() {
        assertThatThrownBy(() -> decoder.decode("data: {oops"))
                .isInstanceOf(AgentStreamException.class).hasMessageStartingWith("Agent sent a malformed stream: not JSON");
        assertThatThrownBy(() -> decoder.decode("hello there"))
                .isInstanceOf(AgentStreamException.class).hasMessageContaining("unexpected line 'hello there'");
        assertThatThrownBy(() -> decoder.decode("data: {\"something\":1}"))
                .isInstanceOf(AgentStreamException.class).hasMessageContaining("neither");
        assertThatThrownBy(() -> decoder.decode("data: {\"error\":{\"message\":\"rate limited\"}}"))
                .isInstanceOf(AgentStreamException.class).hasMessage("Agent reported an error: rate limited");
        assertThatThrownBy(() -> decoder.decode("{\"error\":\"boom\"}"))
                .isInstanceOf(AgentStreamException.class).hasMessage("Agent reported an error: boom");
    }

    @Test
    void readsOnlyTheFieldsItNeedsWhereverTheyAre() {
        // unknown fields before and after, nested objects that also have a "content" or "token" field
        assertThat(decoder.decode("data: {\"id\":\"x\",\"meta\":{\"token\":\"no\",\"content\":\"no\"},"
                + "\"choices\":[{\"index\":0,\"logprobs\":{\"content\":[1,2]},\"delta\":{\"role\":\"assistant\","
                + "\"tool\":{\"content\":\"no\"},\"content\":\"yes\"}},{\"delta\":{\"content\":\"second\"}}],"
                + "\"usage\":null}"))
                .isEqualTo(new Chunk("yes", false));
        assertThat(decoder.decode("{\"token\":5}")).isEqualTo(new Chunk("5", false));
        assertThat(decoder.decode("{\"token\":\"a\\\"b\\u00e9\",\"done\":true}")).isEqualTo(new Chunk("a\"b\u00e9", true));
        assertThat(decoder.decode("{\"token\":null,\"is_final\":true}")).isEqualTo(new Chunk(null, true));
        assertThat(decoder.decode("{\"choices\":[],\"done\":true}")).isEqualTo(new Chunk(null, true));
        assertThat(decoder.decode("{\"choices\":null,\"error\":null,\"token\":\"t\"}")).isEqualTo(new Chunk("t", false));
        assertThat(decoder.decode("{\"choices\":[null]}")).isEqualTo(new Chunk(null, false));
        assertThat(decoder.decode("{\"choices\":[{\"delta\":{\"content\":null},\"finish_reason\":\"stop\"}]}"))
                .isEqualTo(new Chunk(null, false));
    }

    @Test
    void whatIsNotAnObjectOrNotJsonFailsTheTurn() {
        for (String line : new String[] {"data: [1,2]", "data: \"text\"", "data: null", "{\"token\":{\"a\":1}}",
                "{\"choices\":{\"delta\":1}}"}) {
            assertThatThrownBy(() -> decoder.decode(line)).as(line)
                    .isInstanceOf(AgentStreamException.class).hasMessageContaining("expected a JSON object");
        }
        assertThatThrownBy(() -> decoder.decode("{\"choices\":[{\"delta\":{\"content\":\"a\"}}"))
                .isInstanceOf(AgentStreamException.class).hasMessageStartingWith("Agent sent a malformed stream: not JSON");
        assertThatThrownBy(() -> decoder.decode("{\"choices\":[{\"delta\":{\"content\":7}}]}"))
                .isInstanceOf(AgentStreamException.class).hasMessageContaining("neither");
        assertThatThrownBy(() -> decoder.decode("{\"token\":\"a\",\"error\":{\"code\":3}}"))
                .isInstanceOf(AgentStreamException.class).hasMessage("Agent reported an error: {\"code\":3}");
    }

    @Test
    void readsALineInPlaceWithinTheChunkItCameIn() {
        byte[] chunk = "data: {\"token\":\"één\"}\r\ndata: [DONE] \n: ping\n".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        int second = "data: {\"token\":\"één\"}\r\n".getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
        assertThat(decoder.decode(chunk, 0, second - 2)).isEqualTo(new Chunk("één", false));
        assertThat(decoder.decode(chunk, 0, second - 1)).as("with its \\r").isEqualTo(new Chunk("één", false));
        assertThat(decoder.decode(chunk, second, "data: [DONE] ".length())).isEqualTo(new Chunk(null, true));
        assertThat(decoder.decode(chunk, chunk.length - 7, 6)).isEqualTo(new Chunk(null, false));
        assertThatThrownBy(() -> decoder.decode(chunk, second, 4))
                .isInstanceOf(AgentStreamException.class).hasMessageContaining("unexpected line 'data'");
    }

    @Test
    void eachLineStandsAloneWhateverTheLineBeforeLeftUnfinished() {
        // one parser serves a thread line after line: a malformed or unfinished line must not leak into the next
        String[] before = {"data: {oops", "{\"choices\":[{\"delta\":{\"content\":\"a\"}}", "data: {\"token\":\"x",
                "data: 12", "data: nul", "{\"token\":\"t\"} trailing", "{\"token\":\"t\"}{\"token\":\"u\"}",
                "{\"error\":{\"message\":\"m\"}}", "{\"something\":1}", "data: [1,", "data:",
                "{\"token\":\"t\"}   ", "{\"token\":\"t\"} tr", "{\"token\":\"t\"} \u000b", "{\"token\":\"t\"}\t"};
        for (String line : before) {
            try {
                decoder.decode(line);
            } catch (AgentStreamException expected) {
                // some of them fail the turn; what matters is the line after
            }
            assertThat(decoder.decode("data: {\"choices\":[{\"delta\":{\"content\":\"next\"}}]}")).as("after " + line)
                    .isEqualTo(new Chunk("next", false));
            assertThat(decoder.decode("{\"token\":\"and\"}")).as("after " + line).isEqualTo(new Chunk("and", false));
        }
    }

    @Test
    void trailingTextAfterTheObjectIsIgnoredAsBefore() {
        assertThat(decoder.decode("{\"token\":\"t\"} trailing")).isEqualTo(new Chunk("t", false));
        assertThat(decoder.decode("{\"token\":\"t\"}{\"token\":\"u\"}")).isEqualTo(new Chunk("t", false));
    }

    @Test
    void decodersOnSeveralThreadsAtOnceReadTheirOwnLines() throws Exception {
        int threads = 4;
        int lines = 20_000;
        var pool = java.util.concurrent.Executors.newFixedThreadPool(threads);
        try {
            var results = new java.util.ArrayList<java.util.concurrent.Future<Integer>>();
            for (int t = 0; t < threads; t++) {
                int id = t;
                results.add(pool.submit(() -> {
                    int ok = 0;
                    for (int i = 0; i < lines; i++) {
                        String text = id + ":" + i;
                        if (decoder.decode("data: {\"choices\":[{\"delta\":{\"content\":\"" + text + "\"}}]}")
                                .equals(new Chunk(text, false))) {
                            ok++;
                        }
                    }
                    return ok;
                }));
            }
            for (var r : results) {
                assertThat(r.get()).isEqualTo(lines);
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
