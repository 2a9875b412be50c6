package io.agentgateway.auth;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import io.agentgateway.auth.ConnectionLimits.Admission;
import io.agentgateway.auth.ConnectionLimits.Refusal;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class InMemoryConnectionLimitsTest {

    @Test
    void perIdentityThenInstanceLimits() {
        InMemoryConnectionLimits limits = new InMemoryConnectionLimits(3, 2);
        Admission a1 = limits.tryAcquire(Optional.of("a"));
        Admission a2 = limits.tryAcquire(Optional.of("a"));
        assertThat(a1.isAdmitted()).isTrue();
        assertThat(a2.isAdmitted()).isTrue();
        assertThat(limits.tryAcquire(Optional.of("a")).refusal()).isEqualTo(Refusal.IDENTITY_FULL);
        assertThat(limits.tryAcquire(Optional.empty()).isAdmitted()).as("no identity: instance limit only").isTrue();
        assertThat(limits.tryAcquire(Optional.of("b")).refusal()).isEqualTo(Refusal.INSTANCE_FULL);
        assertThat(limits.open()).isEqualTo(3);
        assertThat(limits.open("a")).isEqualTo(2);

        a1.lease().release();
        a1.lease().release(); // twice: counted once
        assertThat(limits.open()).isEqualTo(2);
        assertThat(limits.open("a")).isEqualTo(1);
        assertThat(limits.tryAcquire(Optional.of("a")).isAdmitted()).isTrue();
        assertThat(limits.tryAcquire(Optional.of("b")).refusal()).isEqualTo(Refusal.INSTANCE_FULL);
    }

    @Test
    void concurrentAcquiresNeverExceedTheLimitsAndAllReleaseToZero() throws Exception {
        InMemoryConnectionLimits limits = new InMemoryConnectionLimits(50, 20);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Admission> admitted = java.util.Collections.synchronizedList(new ArrayList<>());
        CountDownLatch done = new CountDownLatch(400);
        for (int i = 0; i < 400; i++) {
            String id = "app" + (i % 4);
            pool.execute(() -> {
                Admission a = limits.tryAcquire(Optional.of(id));
                if (a.isAdmitted()) {
                    admitted.add(a);
                }
                done.countDown();
            });
        }
        assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(admitted).hasSize(50);
        for (int i = 0; i < 4; i++) {
            assertThat(limits.open("app" + i)).isLessThanOrEqualTo(20);
        }
        admitted.forEach(a -> pool.execute(a.lease()::release));
        pool.shutdown();
        assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        assertThat(limits.open()).isZero();
        assertThat(limits.open("app0")).isZero();
    }
}
