package io.agentgateway.ws;

import java.time.Duration;

import io.agentgateway.ws.FrameRateLimit.Verdict;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The token bucket and the flood rule, on a clock the test moves. */
class FrameRateLimitTest {

    private static final long MS = 1_000_000L;
    private static final long T0 = 123_456_789_000L;

    @Test
    void aBurstOfTheRateThenOneFrameEachIntervalAsTheBucketRefills() {
        FrameRateLimit limit = new FrameRateLimit(5, Duration.ofSeconds(10), T0);
        for (int i = 0; i < 5; i++) {
            assertThat(limit.onFrame(T0)).as("frame %d of the burst", i).isEqualTo(Verdict.ACCEPT);
        }
        assertThat(limit.onFrame(T0)).isEqualTo(Verdict.REFUSE);
        assertThat(limit.onFrame(T0 + 199 * MS)).as("no token back yet").isEqualTo(Verdict.REFUSE);
        assertThat(limit.onFrame(T0 + 200 * MS)).as("one token back after 1/5 s").isEqualTo(Verdict.ACCEPT);
        assertThat(limit.onFrame(T0 + 201 * MS)).isEqualTo(Verdict.REFUSE);
        // a quiet client gets its whole burst back, and no more
        long later = T0 + 60_000 * MS;
        for (int i = 0; i < 5; i++) {
            assertThat(limit.onFrame(later)).isEqualTo(Verdict.ACCEPT);
        }
        assertThat(limit.onFrame(later)).isEqualTo(Verdict.REFUSE);
    }

    @Test
    void aClientAtExactlyTheRateIsNeverRefused() {
        FrameRateLimit limit = new FrameRateLimit(50, Duration.ofSeconds(10), T0);
        for (int i = 0; i < 50 * 60; i++) {
            assertThat(limit.onFrame(T0 + i * 20 * MS)).isEqualTo(Verdict.ACCEPT);
        }
    }

    @Test
    void refusalsWithoutACompliantSecondForTheWholeWindowClose() {
        FrameRateLimit limit = new FrameRateLimit(5, Duration.ofSeconds(10), T0);
        // 20 frames a second, four times the rate: refusals come every 50 ms or so, never a second apart
        long t = T0;
        long firstRefusal = -1;
        Verdict v;
        while ((v = limit.onFrame(t)) != Verdict.CLOSE) {
            if (v == Verdict.REFUSE && firstRefusal < 0) {
                firstRefusal = t;
            }
            assertThat(t - T0).as("closed within the window plus a frame").isLessThan(11_000 * MS);
            t += 50 * MS;
        }
        assertThat(t - firstRefusal).isGreaterThanOrEqualTo(10_000 * MS).isLessThan(10_050 * MS);
        assertThat(limit.onFrame(t + 60_000 * MS)).as("a closed socket's frames are dropped").isEqualTo(Verdict.DROP);
    }

    @Test
    void aSecondWithoutRefusalsStartsTheWindowAgain() {
        FrameRateLimit limit = new FrameRateLimit(5, Duration.ofSeconds(10), T0);
        long lastRefused = flood(limit, T0, 9_500);
        // a whole second with no refused frame (frames within the rate are fine)
        assertThat(limit.onFrame(lastRefused + 500 * MS)).isEqualTo(Verdict.ACCEPT);
        flood(limit, lastRefused + 1_000 * MS, 9_500);
    }

    @Test
    void aGapShorterThanASecondDoesNotEndTheFlood() {
        FrameRateLimit limit = new FrameRateLimit(5, Duration.ofSeconds(10), T0);
        long lastRefused = flood(limit, T0, 6_000);
        // 700 ms without frames, then the flood again: its first refusal comes under a second after the last one
        long t = lastRefused + 700 * MS;
        Verdict v;
        while ((v = limit.onFrame(t)) != Verdict.CLOSE) {
            assertThat(t - T0).as("closed at 10 s from the first refusal").isLessThan(10_200 * MS);
            t += 10 * MS;
        }
        assertThat(t - T0).as("the first refusal came after the 5 frames of the burst")
                .isGreaterThanOrEqualTo(10_050 * MS);
    }

    /**
     * Sends 100 frames a second for {@code millis}, asserting none closes the socket and some are refused.
     * Returns the time of the last refused frame.
     */
    private static long flood(FrameRateLimit limit, long from, long millis) {
        long lastRefused = -1;
        for (long t = from; t < from + millis * MS; t += 10 * MS) {
            Verdict v = limit.onFrame(t);
            assertThat(v).isNotEqualTo(Verdict.CLOSE);
            if (v == Verdict.REFUSE) {
                lastRefused = t;
            }
        }
        assertThat(lastRefused).isPositive();
        return lastRefused;
    }
}
