package io.agentgateway.session;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.agentgateway.common.ServerFrames;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The instance's total of kept frames ({@code GATEWAY__SESSION_BUFFER_TOTAL_MB}): with many sessions each keeps its
 * share rather than its whole buffer, frames installed from elsewhere (a handover, the store after a dead instance)
 * are cut to it, idle sessions are trimmed by the sweep, and a client may fall behind by the share only.
 */
class SessionBudgetTest {

    private static final long BUFFER = 1 << 20;
    private static final long TOTAL = 256 * 1024;
    /** a token frame of about 1 KiB */
    private static final String TOKEN = "x".repeat(1000);

    private final ServerFrames frames = new ServerFrames(new ObjectMapper());
    private final Vertx vertx = Vertx.vertx();
    private final InMemorySessionStreams streams = new InMemorySessionStreams(vertx, frames, BUFFER, TOTAL,
            Duration.ofSeconds(30), Duration.ofMinutes(5), id -> { }, StreamStore.NONE, i -> true, 65536, n -> { });

    @AfterEach
    void closeVertx() {
        streams.close();
        vertx.close();
    }

    @Test
    void oneSessionAloneKeepsUpToTheTotalAndManyShareIt() {
        reading("alone");
        appendKiB("alone", 600);
        assertThat(streams.keptBytes()).isBetween(TOTAL - 2048, TOTAL);

        // 16 sessions: a share is 16 KiB; each append trims its own session to it
        for (int i = 0; i < 15; i++) {
            reading("s" + i);
        }
        for (int i = 0; i < 15; i++) {
            appendKiB("s" + i, 100);
        }
        appendKiB("alone", 1);
        for (int i = 0; i < 15; i++) {
            assertThat(kept("s" + i)).as("s" + i).isLessThanOrEqualTo(16 * 1024);
        }
        assertThat(kept("alone")).isLessThanOrEqualTo(16 * 1024);
        assertThat(streams.keptBytes()).isLessThanOrEqualTo(TOTAL);
    }

    @Test
    void anIdleSessionIsTrimmedByTheSweepOnceOthersNeedTheRoom() {
        reading("idle");
        appendKiB("idle", 200); // about 200 KiB kept: alone, under the total
        long before = kept("idle");
        assertThat(before).isGreaterThan(150 * 1024);
        assertThat(streams.ringCapacity("idle")).isGreaterThanOrEqualTo(128);
        assertThat(streams.ringBytes("idle")).isGreaterThanOrEqualTo((int) before);
        for (int i = 0; i < 15; i++) {
            reading("busy" + i);
            appendKiB("busy" + i, 40);
        }
        // nothing is appended to "idle" any more: the sweep (once a second) cuts it to its share
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            assertThat(kept("idle")).isLessThanOrEqualTo(16 * 1024);
            assertThat(streams.keptBytes()).isLessThanOrEqualTo(TOTAL);
        });
        // and its rings of slots and of bytes shrank with it
        assertThat(streams.ringCapacity("idle")).isLessThanOrEqualTo(64);
        assertThat(streams.ringBytes("idle")).isLessThanOrEqualTo(4 * 16 * 1024);
    }

    @Test
    void framesInstalledFromElsewhereAreCutToTheShare() {
        for (int i = 0; i < 15; i++) {
            reading("other" + i);
        }
        List<String> saved = new ArrayList<>();
        for (int seq = 1; seq <= 1000; seq++) { // about 1 MiB, as a store holds for a session with a full buffer
            saved.add(frames.token(TOKEN, false, seq));
        }
        streams.install("taken-over", new SessionStreams.Snapshot(1001, saved, null), Optional.empty(), -1);
        assertThat(kept("taken-over")).isLessThanOrEqualTo(16 * 1024);
        assertThat(streams.ringCapacity("taken-over")).isLessThanOrEqualTo(32); // never grown to the snapshot's size
        assertThat(streams.nextSeq("taken-over")).isEqualTo(1001);
        // the newest frames, under their own seqs: a resume gets them
        RecordingSocket resumed = new RecordingSocket("taken-over");
        streams.attach(resumed, OptionalLong.of(997));
        assertThat(resumed.sent).hasSize(4);
        assertThat(resumed.sent.get(0)).contains("\"recovered\":true");
        assertThat(resumed.sent.subList(1, 4)).allSatisfy(f -> assertThat(f).contains(TOKEN))
                .extracting(f -> f.replaceAll(".*\"seq\":(\\d+).*", "$1")).containsExactly("998", "999", "1000");
    }

    @Test
    void aClientFallsBehindByItsShareOnlyBeforeTheAgentIsHeldBack() {
        for (int i = 0; i < 15; i++) {
            reading("other" + i);
        }
        RecordingSocket slow = new RecordingSocket("slow");
        slow.writable = false;
        streams.attach(slow, OptionalLong.empty());
        int appended = 0;
        while (streams.hasCapacity("slow") && appended < 1000) {
            appendKiB("slow", 1);
            appended++;
        }
        assertThat(streams.hasCapacity("slow")).isFalse();
        assertThat(appended).isBetween(15, 17); // 16 KiB, not the 1 MiB buffer
    }

    private void reading(String sessionId) {
        streams.attach(new RecordingSocket(sessionId), OptionalLong.empty());
    }

    private void appendKiB(String sessionId, int kib) {
        for (int i = 0; i < kib; i++) {
            streams.append(sessionId, seq -> frames.token(TOKEN, false, seq));
        }
    }

    private long kept(String sessionId) {
        return streams.keptBytes(sessionId);
    }
}
