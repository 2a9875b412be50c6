package io.agentgateway.session;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.agentgateway.common.ServerFrames;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Token-aware delivery in one session stream: tokens that wait for a socket go out merged, in order, under the
 * highest seq they cover; a socket that keeps up gets each token as its own frame.
 */
class TokenMergingTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private final ServerFrames frames = new ServerFrames(MAPPER);
    private final Vertx vertx = Vertx.vertx();
    private final List<Integer> merged = new ArrayList<>();

    @AfterEach
    void closeVertx() {
        made.forEach(InMemorySessionStreams::close);
        vertx.close();
    }

    private final java.util.List<InMemorySessionStreams> made = new java.util.ArrayList<>();

    private InMemorySessionStreams track(InMemorySessionStreams s) {
        made.add(s);
        return s;
    }

    private InMemorySessionStreams streams(int mergedFrameBytes) {
        return track(new InMemorySessionStreams(vertx, frames, 1 << 20, 1L << 30, Duration.ofSeconds(30), Duration.ofMinutes(5),
                id -> { }, StreamStore.NONE, instance -> true, mergedFrameBytes, merged::add));
    }

    /** A socket reading the session's live frames. */
    private static RecordingSocket attached(SessionStreams s) {
        RecordingSocket socket = new RecordingSocket("s");
        s.attach(socket, OptionalLong.empty());
        return socket;
    }

    private void token(SessionStreams s, String text) {
        s.append("s", seq -> frames.token(text, false, seq));
    }

    private static JsonNode json(String frame) throws Exception {
        return MAPPER.readTree(frame);
    }

    @Test
    void aSocketThatKeepsUpGetsEveryTokenAsItsOwnFrame() throws Exception {
        InMemorySessionStreams s = streams(65536);
        RecordingSocket socket = attached(s);
        for (int i = 0; i < 50; i++) {
            token(s, "t" + i + " ");
        }
        assertThat(socket.sent).hasSize(50);
        for (int i = 0; i < 50; i++) {
            assertThat(json(socket.sent.get(i)).path("seq").asLong()).isEqualTo(i);
        }
        assertThat(merged).isEmpty();
    }

    @Test
    void tokensThatWaitedForAFullSocketGoOutMergedUnderTheHighestSeqTheyCover() throws Exception {
        InMemorySessionStreams s = streams(65536);
        RecordingSocket socket = attached(s);
        token(s, "a");
        socket.writable = false;
        token(s, "b\"q\" ");          // quotes and escapes survive the merge
        token(s, "ü\\n ");
        token(s, "c");
        s.append("s", seq -> frames.token("", true, seq)); // the final is never merged
        assertThat(socket.sent).hasSize(1);

        socket.drain();

        assertThat(socket.sent).hasSize(3);
        JsonNode first = json(socket.sent.get(0));
        JsonNode mergedFrame = json(socket.sent.get(1));
        JsonNode fin = json(socket.sent.get(2));
        assertThat(first.path("token").asText()).isEqualTo("a");
        assertThat(mergedFrame.path("type").asText()).isEqualTo("assistant_message");
        assertThat(mergedFrame.path("token").asText()).isEqualTo("b\"q\" ü\\n c");
        assertThat(mergedFrame.path("is_final").asBoolean()).isFalse();
        assertThat(mergedFrame.path("seq").asLong()).isEqualTo(3);
        assertThat(fin.path("is_final").asBoolean()).isTrue();
        assertThat(fin.path("seq").asLong()).isEqualTo(4);
        assertThat(merged).containsExactly(3);
    }

    @Test
    void aFrameThatIsNotATokenIsNeitherMergedNorOvertaken() throws Exception {
        InMemorySessionStreams s = streams(65536);
        RecordingSocket socket = attached(s);
        socket.writable = false;
        s.append("s", seq -> frames.token("x", false, seq)); // a first frame left waiting puts the socket behind
        token(s, "one ");
        token(s, "two ");
        s.append("s", seq -> ServerFrames.withSeq(
                frames.toolCall("c1", "lookup", MAPPER.createObjectNode()), seq));
        token(s, "three ");
        token(s, "four");

        socket.drain();

        assertThat(socket.sent).extracting(f -> json(f).path("type").asText() + ":"
                        + json(f).path("token").asText() + ":" + json(f).path("seq").asLong())
                .containsExactly("assistant_message:xone two :2", "tool_call::3", "assistant_message:three four:5");
    }

    @Test
    void aMergedFrameStaysWithinItsSizeAndASingleLargerTokenGoesOutWhole() throws Exception {
        InMemorySessionStreams s = streams(300);
        RecordingSocket socket = attached(s);
        socket.writable = false;
        StringBuilder all = new StringBuilder();
        for (int i = 0; i < 40; i++) {
            String t = i == 20 ? "L".repeat(1000) : "token-" + i + " ";
            all.append(t);
            token(s, t);
        }
        socket.drain();

        StringBuilder joined = new StringBuilder();
        long last = -1;
        for (String f : socket.sent) {
            JsonNode n = json(f);
            assertThat(n.path("seq").asLong()).as("strictly increasing").isGreaterThan(last);
            last = n.path("seq").asLong();
            joined.append(n.path("token").asText());
            if (!n.path("token").asText().startsWith("L")) {
                assertThat(f.getBytes(java.nio.charset.StandardCharsets.UTF_8).length).isLessThanOrEqualTo(300);
            }
        }
        assertThat(joined.toString()).isEqualTo(all.toString());
        assertThat(last).isEqualTo(39);
        assertThat(socket.sent.size()).isBetween(3, 39);
    }

    /**
     * The joined-text check above would pass a token cut in two at the cap (its head closing one frame, its tail
     * opening the next): here every frame must be a run of whole tokens, the runs must tile the answer in order, and
     * each frame's seq must be its last token's. Several caps, so the cuts fall beside tokens of every kind.
     */
    @ParameterizedTest(name = "cap {0} bytes")
    @ValueSource(ints = {256, 300, 333, 512, 1000})
    void atTheSizeCapAMergedFrameEndsOnAWholeTokenAndCarriesTheSeqOfItsLastToken(int cap) throws Exception {
        InMemorySessionStreams s = streams(cap);
        RecordingSocket socket = attached(s);
        List<String> tokens = WholeTokens.varied(300);
        int big = 150;
        tokens.set(big, "<" + big + ">" + "€\\".repeat(cap / 4) + " "); // over the cap alone
        socket.writable = false; // every token waits, so the whole run goes out merged on the drain, cut at the cap
        for (String t : tokens) {
            token(s, t);
        }
        s.append("s", seq -> frames.token("", true, seq));
        assertThat(socket.sent).isEmpty();

        socket.drain();

        List<String> tokenFrames = socket.sent.subList(0, socket.sent.size() - 1);
        JsonNode fin = json(socket.sent.get(socket.sent.size() - 1));
        assertThat(fin.path("is_final").asBoolean()).isTrue();
        assertThat(fin.path("seq").asLong()).isEqualTo(tokens.size());
        List<WholeTokens.Range> ranges = WholeTokens.assertTiled(tokens, 0, tokenFrames);
        List<Integer> mergedRuns = new ArrayList<>();
        for (WholeTokens.Range r : ranges) {
            if (r.tokens() > 1) {
                mergedRuns.add(r.tokens());
                assertThat(r.utf8Bytes()).as("merged frame %s within the cap", r).isLessThanOrEqualTo(cap);
            }
            if (r.first() <= big && big <= r.last()) {
                assertThat(r.tokens()).as("the token over the cap goes out alone and whole").isEqualTo(1);
            }
        }
        // and as full as the cap allows: each frame but the last would have gone over it with the next token's
        // quoted text joined in (and that token's seq), so frames are not cut short of it
        for (int i = 0; i < ranges.size() - 1; i++) {
            WholeTokens.Range r = ranges.get(i);
            int next = r.last() + 1;
            int withNext = r.utf8Bytes() + JsonStringEncoder.getInstance().quoteAsUTF8(tokens.get(next)).length
                    + Long.toString(next).length() - Long.toString(r.seq()).length();
            assertThat(withNext).as("frame %s with token %d joined in goes over the cap", r, next).isGreaterThan(cap);
        }
        assertThat(ranges.size()).as("the cap cut the run into several frames").isGreaterThan(3);
        assertThat(merged).as("the metric counts each merged frame's tokens").isEqualTo(mergedRuns);
    }

    @Test
    void aClientResumingFromAMergedFramesSeqMissesNothing() throws Exception {
        InMemorySessionStreams s = streams(65536);
        RecordingSocket socket = attached(s);
        socket.writable = false;
        for (int i = 0; i < 6; i++) {
            token(s, "w" + i + " ");
        }
        socket.drain();
        long lastSeen = json(socket.sent.get(socket.sent.size() - 1)).path("seq").asLong();
        assertThat(lastSeen).isEqualTo(5);
        s.detach(socket);
        token(s, "after ");

        RecordingSocket again = new RecordingSocket("s");
        Optional<SessionStreams.Resumption> told = s.attach(again, OptionalLong.of(lastSeen));
        assertThat(told).get().extracting(SessionStreams.Resumption::recovered).isEqualTo(true);
        assertThat(again.sent).hasSize(2);
        assertThat(json(again.sent.get(1)).path("token").asText()).isEqualTo("after ");
        assertThat(json(again.sent.get(1)).path("seq").asLong()).isEqualTo(6);
    }
}
