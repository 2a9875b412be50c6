package io.agentgateway.queue;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class JobListExpiryTest {

    private final AtomicLong now = new AtomicLong(1_000_000_000_000L);
    private final JobListExpiry expiry = new JobListExpiry(Duration.ofSeconds(60), now::get);

    @Test
    void theTtlCoversTheLongestWaitPlusTheSecondBetweenRenewals() {
        assertThat(expiry.ttlSeconds()).isEqualTo(61);
        assertThat(new JobListExpiry(Duration.ofMillis(1500), now::get).ttlSeconds()).isEqualTo(3);
    }

    @Test
    void eachListIsRenewedAtMostOnceASecond() {
        assertThat(expiry.due("agent1")).isTrue();
        assertThat(expiry.due("agent1")).isFalse();
        assertThat(expiry.due("agent2")).as("another list").isTrue();
        now.addAndGet(999_000_000L);
        assertThat(expiry.due("agent1")).isFalse();
        now.addAndGet(1_000_000L);
        assertThat(expiry.due("agent1")).isTrue();
        assertThat(expiry.due("agent1")).isFalse();
    }

    @Test
    void manyListsAreForgottenOldestFirstAndOnlyCostAnEarlyRenewal() {
        assertThat(expiry.due("first")).isTrue();
        for (int i = 0; i < 2000; i++) {
            expiry.due("made-up-" + i);
        }
        assertThat(expiry.due("first")).as("forgotten: renewed again, early").isTrue();
        assertThat(expiry.due("made-up-1999")).as("still remembered").isFalse();
    }
}
