package io.agentgateway.chat;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class InMemoryAnswerLimitsTest {

    @Test
    void perIdentityLimitAndReleaseOnce() {
        InMemoryAnswerLimits limits = new InMemoryAnswerLimits(2);
        Optional<AnswerLimits.Slot> a1 = limits.tryAcquire(Optional.of("a"));
        Optional<AnswerLimits.Slot> a2 = limits.tryAcquire(Optional.of("a"));
        assertThat(a1).isPresent();
        assertThat(a2).isPresent();
        assertThat(limits.tryAcquire(Optional.of("a"))).isEmpty();
        assertThat(limits.tryAcquire(Optional.of("b"))).as("another identity has its own count").isPresent();
        assertThat(limits.active("a")).isEqualTo(2);
        assertThat(limits.active("b")).isEqualTo(1);

        a1.get().release();
        a1.get().release(); // twice: counted once
        assertThat(limits.active("a")).isEqualTo(1);
        assertThat(limits.tryAcquire(Optional.of("a"))).isPresent();
        assertThat(limits.tryAcquire(Optional.of("a"))).isEmpty();
    }

    @Test
    void noIdentityIsNotCounted() {
        InMemoryAnswerLimits limits = new InMemoryAnswerLimits(1);
        for (int i = 0; i < 10; i++) {
            assertThat(limits.tryAcquire(Optional.empty())).contains(AnswerLimits.UNCOUNTED);
        }
    }

    @Test
    void concurrentAcquiresNeverExceedTheLimitAndAllReleasesReturnToZero() throws Exception {
        InMemoryAnswerLimits limits = new InMemoryAnswerLimits(5);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<Optional<AnswerLimits.Slot>>> tries = new ArrayList<>();
            for (int i = 0; i < 64; i++) {
                tries.add(pool.submit(() -> {
                    start.await();
                    return limits.tryAcquire(Optional.of("app"));
                }));
            }
            start.countDown();
            List<AnswerLimits.Slot> held = new ArrayList<>();
            for (Future<Optional<AnswerLimits.Slot>> f : tries) {
                f.get(10, TimeUnit.SECONDS).ifPresent(held::add);
            }
            assertThat(held).hasSize(5);
            assertThat(limits.active("app")).isEqualTo(5);
            held.forEach(AnswerLimits.Slot::release);
            assertThat(limits.active("app")).isZero();
        } finally {
            pool.shutdownNow();
        }
    }
}
