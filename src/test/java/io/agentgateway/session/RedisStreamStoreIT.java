package io.agentgateway.session;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.agentgateway.testing.RedisServerExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.LoggerFactory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

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

    @Test
    void anOutageIsLoggedOnceWhileItLastsAndOnceWhenItEnds() throws Exception {
        Logger logger = (Logger) LoggerFactory.getLogger(RedisStreamStore.class);
        ListAppender<ILoggingEvent> lines = new ListAppender<>();
        lines.start();
        logger.addAppender(lines);
        try {
            // the writer's own schedule this time: a flush every 20 ms
            RedisStreamStore store = new RedisStreamStore(redisServer.template(), "t:", 100, Duration.ofMinutes(5),
                    writer, Duration.ofMillis(20));
            redisServer.server().stop();
            long seq = 0;
            long until = System.nanoTime() + Duration.ofSeconds(1).toNanos();
            while (System.nanoTime() < until) {
                append(store, "s", seq, frame("t" + seq, seq));
                seq++;
                Thread.sleep(5); // a frame for each of the writer's tries: about 50 failed flushes
            }
            assertThat(lines.list).as("one WARN for a second of failed flushes").singleElement()
                    .satisfies(e -> assertThat(e.getLevel()).isEqualTo(Level.WARN))
                    .satisfies(e -> assertThat(e.getFormattedMessage())
                            .startsWith("Could not save session frames to Redis (they stay in memory here): "));

            redisServer.server().start();
            long next = seq;
            await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
                append(store, "s", next, frame("again", next));
                assertThat(lines.list).hasSize(2).last().satisfies(e -> {
                    assertThat(e.getLevel()).isEqualTo(Level.INFO);
                    assertThat(e.getFormattedMessage()).startsWith("Saving session frames to Redis again, after ");
                });
            });
            assertThat(store.load("s")).as("written again once Redis is back").isPresent();
        } finally {
            logger.detachAppender(lines);
        }
    }
}
