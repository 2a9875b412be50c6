package io.agentgateway.common;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.spi.ExecutorServiceManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Over a thousand tasks behind a busy thread (Camel's default queue): each still runs on the pool's thread, in
 * order, never on the thread that submitted it.
 */
class PoolsTest {

    private static final int TASKS = 1_500;

    private final DefaultCamelContext camel = new DefaultCamelContext();
    private final ExecutorServiceManager executors = camel.getExecutorServiceManager();

    @AfterEach
    void stop() {
        camel.stop();
    }

    @Test
    void aFixedPoolQueuesRatherThanRunOnTheCaller() throws Exception {
        assertRunsEverythingInOrderOnItsThread(Pools.fixed(executors, this, "test-fixed", 1));
    }

    @Test
    void aScheduledPoolQueuesRatherThanRunOnTheCaller() throws Exception {
        assertRunsEverythingInOrderOnItsThread(Pools.scheduled(executors, this, "test-scheduled", 1));
    }

    private void assertRunsEverythingInOrderOnItsThread(ExecutorService pool) throws Exception {
        CountDownLatch busy = new CountDownLatch(1);
        pool.execute(() -> {
            try {
                busy.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        List<Integer> ran = new CopyOnWriteArrayList<>();
        List<String> threads = new CopyOnWriteArrayList<>();
        String caller = Thread.currentThread().getName();
        for (int i = 0; i < TASKS; i++) {
            int n = i;
            pool.execute(() -> {
                ran.add(n);
                threads.add(Thread.currentThread().getName());
            });
        }
        busy.countDown();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (ran.size() < TASKS && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(ran).containsExactlyElementsOf(IntStream.range(0, TASKS).boxed().toList());
        assertThat(threads).doesNotContain(caller);
        executors.shutdown(pool);
    }
}
