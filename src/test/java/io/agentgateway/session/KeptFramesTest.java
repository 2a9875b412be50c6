package io.agentgateway.session;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.agentgateway.common.ServerFrames;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A session's kept frames live one after the other in one ring of bytes that wraps, grows and shrinks: whatever it
 * went through, a frame read back (sent, resumed, merged) is byte for byte the frame that was appended.
 */
class KeptFramesTest {

    private static final long BUFFER = 1 << 20;
    /** with 15 other sessions, each keeps a 16 KiB share: appending past it evicts, so the ring wraps */
    private static final long TOTAL = 256 * 1024;

    private final ObjectMapper mapper = new ObjectMapper();
    private final ServerFrames frames = new ServerFrames(mapper);
    private final Vertx vertx = Vertx.vertx();
    private final InMemorySessionStreams streams = new InMemorySessionStreams(vertx, frames, BUFFER, TOTAL,
            Duration.ofSeconds(30), Duration.ofMinutes(5), id -> { }, StreamStore.NONE, i -> true, 65536, n -> { });
    /** every frame appended to the session under test, by seq (seqs start at 0) */
    private final List<String> appended = new ArrayList<>();

    @AfterEach
    void closeVertx() {
        streams.close();
        vertx.close();
    }

    @Test
    void framesResumedAfterTheRingWrappedAreTheFramesAppended() {
        sharingWithOthers();
        RecordingSocket reader = new RecordingSocket("s");
        streams.attach(reader, OptionalLong.empty());
        appendTokens(100);
        // rounds of about 4 KiB through a 16 KiB share: the oldest go and the ring wraps every few rounds; each
        // resume reads the last 60 frames back (about 10 KiB), so every wrap falls inside some round's resume
        for (int round = 0; round < 24; round++) {
            appendTokens(25);
            streams.detach(reader);
            long lastSeq = appended.size() - 61;
            reader = new RecordingSocket("s");
            streams.attach(reader, OptionalLong.of(lastSeq));
            assertThat(reader.sent.get(0)).as("round " + round).contains("\"recovered\":true");
            assertThat(reader.sent.subList(1, reader.sent.size())).as("round " + round)
                    .containsExactlyElementsOf(appended.subList((int) lastSeq + 1, appended.size()));
        }
        assertThat(streams.keptBytes("s")).isLessThanOrEqualTo(16 * 1024);
    }

    @Test
    void tokensMergedFromAWrappedRingJoinTheirTextsExactly() throws Exception {
        sharingWithOthers();
        RecordingSocket reader = new RecordingSocket("s");
        streams.attach(reader, OptionalLong.empty());
        appendTokens(300); // wrapped
        reader.writable = false;
        int before = appended.size();
        appendTokens(60); // waiting for the socket, across the ring's end
        reader.drain();

        List<String> merged = reader.sent.subList(before, reader.sent.size());
        assertThat(merged.size()).isLessThan(60);
        StringBuilder got = new StringBuilder();
        long lastSeq = -1;
        for (String frame : merged) {
            JsonNode json = mapper.readTree(frame);
            got.append(json.get("token").asText());
            assertThat(json.get("seq").asLong()).isGreaterThan(lastSeq);
            lastSeq = json.get("seq").asLong();
        }
        StringBuilder want = new StringBuilder();
        for (String frame : appended.subList(before, appended.size())) {
            want.append(mapper.readTree(frame).get("token").asText());
        }
        assertThat(got.toString()).isEqualTo(want.toString());
        assertThat(lastSeq).isEqualTo(appended.size() - 1);
    }

    @Test
    void aMovedSessionsSnapshotIsACopyOfItsFramesReadAfterTheRingMovedOn() {
        sharingWithOthers();
        RecordingSocket reader = new RecordingSocket("s");
        streams.attach(reader, OptionalLong.empty());
        appendTokens(300); // wrapped in its 16 KiB share
        List<SessionStreams.Snapshot> taken = new ArrayList<>();
        List<String> forwarded = new ArrayList<>();
        streams.moveTo("s", "elsewhere", taken::add, forwarded::add);
        // after the lock: frames go on to the other instance, and the ring's memory is given back
        appendTokens(40);
        streams.close();
        assertThat(forwarded).hasSize(40);
        SessionStreams.Snapshot snapshot = taken.get(0);
        assertThat(snapshot.nextSeq()).isEqualTo(300);
        // what the session kept: its last frames, byte for byte (seq = index in appended)
        assertThat(snapshot.frames()).hasSizeBetween(20, 299)
                .containsExactlyElementsOf(appended.subList(300 - snapshot.frames().size(), 300));
    }

    @Test
    void theRingGrowsWithWhatIsKeptAndShrinksWhenTrimmed() {
        RecordingSocket reader = new RecordingSocket("s");
        streams.attach(reader, OptionalLong.empty());
        assertThat(streams.ringBytes("s")).isZero(); // nothing before the first frame
        appendTokens(1000); // alone: up to the 256 KiB total
        long kept = streams.keptBytes("s");
        assertThat(kept).isGreaterThan(100 * 1024);
        assertThat(streams.ringBytes("s")).isBetween((int) kept, (int) (2 * kept) + 256);

        sharingWithOthers(); // its share falls to 16 KiB; the next append trims it
        appendTokens(1);
        assertThat(streams.keptBytes("s")).isLessThanOrEqualTo(16 * 1024);
        assertThat(streams.ringBytes("s")).isLessThanOrEqualTo(4 * 16 * 1024);
        assertThat(reader.sent).containsExactlyElementsOf(appended);
    }

    @Test
    void aSessionForgottenGivesItsRingBack() {
        InMemorySessionStreams shortLived = new InMemorySessionStreams(vertx, frames, BUFFER, TOTAL,
                Duration.ofSeconds(30), Duration.ofMillis(100), id -> { }, StreamStore.NONE, i -> true, 65536, n -> { });
        try {
            RecordingSocket reader = new RecordingSocket("gone");
            shortLived.attach(reader, OptionalLong.empty());
            for (int i = 0; i < 50; i++) {
                shortLived.append("gone", seq -> frames.token("token ", false, seq));
            }
            assertThat(shortLived.ringBytes()).isEqualTo(shortLived.ringBytes("gone")).isPositive();
            shortLived.detach(reader);
            // nobody holds it for its TTL: the sweep (once a second) forgets it, and its ring's memory goes back
            await().atMost(Duration.ofSeconds(5)).until(() -> shortLived.ringBytes() == 0);
            assertThat(shortLived.keptBytes()).isZero();

            shortLived.attach(new RecordingSocket("closed"), OptionalLong.empty());
            shortLived.append("closed", seq -> frames.token("token ", false, seq));
            assertThat(shortLived.ringBytes()).isPositive();
        } finally {
            shortLived.close();
        }
        assertThat(shortLived.ringBytes()).isZero(); // and closing gives back the rest
    }

    private void sharingWithOthers() {
        for (int i = 0; i < 15; i++) {
            streams.attach(new RecordingSocket("other" + i), OptionalLong.empty());
        }
    }

    /** Tokens of varying lengths, some with characters of two, three and four UTF-8 bytes and with JSON escapes. */
    private void appendTokens(int n) {
        for (int i = 0; i < n; i++) {
            int k = appended.size();
            String token = ("t" + k + " é€😀 \"q\"\\ ").repeat(1 + k % 13);
            streams.append("s", seq -> {
                String frame = frames.token(token, false, seq);
                appended.add(frame);
                return frame;
            });
        }
    }
}
