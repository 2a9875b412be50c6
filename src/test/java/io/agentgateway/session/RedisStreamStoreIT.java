package io.agentgateway.session;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import io.agentgateway.testing.RedisServerExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;

/** The frames another instance reads back are the bytes this one kept, in order, trimmed and expiring. */
class RedisStreamStoreIT {

    @RegisterExtension
    final RedisServerExtension redisServer = new RedisServerExtension();

    // flushed by hand below: the writer's own schedule is an hour away
    private final ScheduledExecutorService writer = Executors.newSingleThreadScheduledExecutor();

    @AfterEach
    void stopWriter() {
        writer.shutdownNow();
    }

    private RedisStreamStore store(int maxFrames) {
        return new RedisStreamStore(redisServer.template(), "t:", maxFrames, Duration.ofMinutes(5), writer,
                Duration.ofHours(1));
    }

    private static String frame(String token, long seq) {
        return "{\"type\":\"token\",\"content\":\"" + token + "\",\"is_final\":false,\"seq\":" + seq + "}";
    }

    private static void append(RedisStreamStore store, String sessionId, long seq, String frame) {
        store.appended(sessionId, seq, frame.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void framesComeBackAsTheyWereKeptWithTheNextSeq() {
        RedisStreamStore store = store(100);
        List<String> frames = List.of(frame("plain", 0), frame("é \\\"quoted\\\" 😀", 1), frame("中文", 2));
        for (int i = 0; i < frames.size(); i++) {
            append(store, "s", i, frames.get(i));
        }
        append(store, "other", 0, frame("x", 0));
        assertThat(store.load("s")).isEmpty(); // nothing written before the flush
        store.flush();
        SessionStreams.Snapshot snapshot = store.load("s").orElseThrow();
        assertThat(snapshot.frames()).containsExactlyElementsOf(frames);
        assertThat(snapshot.nextSeq()).isEqualTo(3);
        assertThat(store.load("other").orElseThrow().frames()).containsExactly(frame("x", 0));
        assertThat(redisServer.template().getExpire("t:{s}:frames", TimeUnit.MILLISECONDS)).as("the frames' TTL")
                .isBetween(Duration.ofMinutes(4).toMillis(), Duration.ofMinutes(5).toMillis());
    }

    @Test
    void onlyTheLastFramesAreKeptAcrossFlushes() {
        RedisStreamStore store = store(3);
        for (int seq = 0; seq < 4; seq++) {
            append(store, "s", seq, frame("t" + seq, seq));
        }
        store.flush();
        append(store, "s", 4, frame("t4", 4));
        store.flush();
        SessionStreams.Snapshot snapshot = store.load("s").orElseThrow();
        assertThat(snapshot.frames()).containsExactly(frame("t2", 2), frame("t3", 3), frame("t4", 4));
        assertThat(snapshot.nextSeq()).isEqualTo(5);
    }
}
