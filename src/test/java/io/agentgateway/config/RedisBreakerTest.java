package io.agentgateway.config;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class RedisBreakerTest {

    private final AtomicLong now = new AtomicLong(5_000_000_000L);
    private final RedisBreaker breaker = new RedisBreaker(Duration.ofSeconds(1), now::get);

    @Test
    void callsGoThroughWhileRedisAnswers() {
        assertThat(breaker.allow()).isTrue();
        breaker.succeeded();
        assertThat(breaker.allow()).isTrue();
        assertThat(breaker.probeDue()).as("nothing to probe").isFalse();
    }

    @Test
    void afterAFailureCallsAreRefusedAndOneProbeASecondChecksRedis() {
        breaker.failed();
        assertThat(breaker.allow()).isFalse();
        assertThat(breaker.probeDue()).as("the first failure: a probe at once").isTrue();
        assertThat(breaker.probeDue()).as("one probe at a time").isFalse();
        assertThat(breaker.allow()).as("refused while the probe runs").isFalse();

        breaker.failed(); // the probe got no answer either
        assertThat(breaker.probeDue()).as("not before the second is up").isFalse();
        now.addAndGet(999_000_000L);
        assertThat(breaker.probeDue()).isFalse();
        now.addAndGet(1_000_000L);
        assertThat(breaker.probeDue()).isTrue();
        breaker.failed();
        assertThat(breaker.probeDue()).isFalse();
        now.addAndGet(1_000_000_000L);
        assertThat(breaker.probeDue()).isTrue();
        breaker.succeeded(); // Redis answered the probe
        assertThat(breaker.allow()).isTrue();
        assertThat(breaker.probeDue()).isFalse();
    }

    @Test
    void aCallThatSucceedsMeanwhileLetsAllThrough() {
        breaker.failed();
        breaker.succeeded(); // a call that had started before the failure, and got its answer
        assertThat(breaker.allow()).isTrue();
    }
}
