package io.agentgateway.common;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedTransferQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;

import io.vertx.core.Vertx;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.spi.ExecutorServiceManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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

    @Test
    void anOnDemandPoolQueuesRatherThanRunOnTheCallerOnceFull() throws Exception {
        assertRunsEverythingInOrderOnItsThread(Pools.onDemand(executors, "test-on-demand", 0, 1, Duration.ofMinutes(1)));
    }

    @Test
    void anOnDemandPoolStartsNoThreadForTasksThatDoNotOverlap() throws Exception {
        ThreadPoolExecutor pool = (ThreadPoolExecutor) Pools.onDemand(executors, "test-on-demand", 0, 8,
                Duration.ofMinutes(1));
        Set<String> threads = ConcurrentHashMap.newKeySet();
        for (int i = 0; i < 1_000; i++) {
            CountDownLatch done = new CountDownLatch(1);
            pool.execute(() -> {
                threads.add(Thread.currentThread().getName());
                done.countDown();
            });
            assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
            awaitIdle(pool);
        }
        // a fixed pool of 8 would have started all 8
        assertThat(threads).hasSize(1);
        assertThat(pool.getLargestPoolSize()).isEqualTo(1);
        executors.shutdown(pool);
    }

    @Test
    void anOnDemandPoolGrowsToItsMaximumForBlockedTasksAndQueuesTheRest() throws Exception {
        ThreadPoolExecutor pool = (ThreadPoolExecutor) Pools.onDemand(executors, "test-on-demand", 0, 4,
                Duration.ofMinutes(1));
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch started = new CountDownLatch(4);
        CountDownLatch all = new CountDownLatch(10);
        for (int i = 0; i < 10; i++) {
            pool.execute(() -> {
                started.countDown();
                try {
                    release.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                all.countDown();
            });
        }
        assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(pool.getPoolSize()).isEqualTo(4);
        assertThat(pool.getQueue()).hasSize(6);
        release.countDown();
        assertThat(all.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(pool.getLargestPoolSize()).isEqualTo(4);
        executors.shutdown(pool);
        assertThatThrownBy(() -> pool.execute(() -> {
        })).isInstanceOf(RejectedExecutionException.class);
    }

    @Test
    void anOnDemandPoolLetsIdleThreadsGoAndStartsOneForTheNextTask() throws Exception {
        ThreadPoolExecutor pool = (ThreadPoolExecutor) Pools.onDemand(executors, "test-on-demand", 0, 2,
                Duration.ofMillis(50));
        CountDownLatch first = new CountDownLatch(1);
        pool.execute(first::countDown);
        assertThat(first.await(10, TimeUnit.SECONDS)).isTrue();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (pool.getPoolSize() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(pool.getPoolSize()).isZero();
        CountDownLatch second = new CountDownLatch(1);
        pool.execute(second::countDown);
        assertThat(second.await(10, TimeUnit.SECONDS)).isTrue();
        executors.shutdown(pool);
    }

    @Test
    void anOnDemandPoolStartsItsKeptThreadsAtOnceAndKeepsThemIdle() throws Exception {
        ThreadPoolExecutor pool = (ThreadPoolExecutor) Pools.onDemand(executors, "test-on-demand", 2, 4,
                Duration.ofMillis(20));
        assertThat(pool.getPoolSize()).isEqualTo(2);
        Set<String> threads = ConcurrentHashMap.newKeySet();
        for (int i = 0; i < 200; i++) {
            awaitIdle(pool);
            CountDownLatch done = new CountDownLatch(1);
            pool.execute(() -> {
                threads.add(Thread.currentThread().getName());
                done.countDown();
            });
            assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(pool.getLargestPoolSize()).isEqualTo(2);
        Thread.sleep(100); // five times the idle time: kept threads stay
        assertThat(pool.getPoolSize()).isEqualTo(2);
        executors.shutdown(pool);
    }

    /** until the pool's threads all wait for work, so the next task can be handed to one */
    private static void awaitIdle(ThreadPoolExecutor pool) throws InterruptedException {
        LinkedTransferQueue<Runnable> queue = (LinkedTransferQueue<Runnable>) pool.getQueue();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (queue.getWaitingConsumerCount() < pool.getPoolSize() && System.nanoTime() < deadline) {
            Thread.sleep(0, 100_000);
        }
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

    @Test
    void aPeriodicTaskRunsOnAWorkerAndSkipsThePeriodsThatComeWhileItStillRuns() throws Exception {
        Vertx vertx = Vertx.vertx();
        try {
            AtomicInteger runs = new AtomicInteger();
            AtomicInteger running = new AtomicInteger();
            AtomicInteger mostAtOnce = new AtomicInteger();
            Set<String> threads = ConcurrentHashMap.newKeySet();
            CountDownLatch firstStarted = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            Pools.everyOnWorker(vertx, 10, () -> {
                mostAtOnce.accumulateAndGet(running.incrementAndGet(), Math::max);
                threads.add(Thread.currentThread().getName());
                if (runs.incrementAndGet() == 1) {
                    firstStarted.countDown();
                    try {
                        release.await(10, TimeUnit.SECONDS); // a Redis call waiting for its timeout
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                running.decrementAndGet();
            });
            assertThat(firstStarted.await(5, TimeUnit.SECONDS)).isTrue();
            Thread.sleep(300); // thirty periods while the first run hangs
            assertThat(runs.get()).as("periods skipped, not queued, while the first run hangs").isEqualTo(1);
            release.countDown();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (runs.get() < 5 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertThat(runs.get()).as("runs again once the first is done").isGreaterThanOrEqualTo(5);
            assertThat(mostAtOnce.get()).isEqualTo(1);
            assertThat(threads).allMatch(t -> t.startsWith("vert.x-worker-thread"));
        } finally {
            vertx.close();
        }
    }

    @Test
    void aPeriodicTaskRunsOnceAtOnceNotOnlyAfterTheFirstPeriod() throws Exception {
        Vertx vertx = Vertx.vertx();
        try {
            CountDownLatch ran = new CountDownLatch(1);
            Pools.everyOnWorker(vertx, TimeUnit.MINUTES.toMillis(10), ran::countDown);
            assertThat(ran.await(5, TimeUnit.SECONDS)).isTrue();
        } finally {
            vertx.close();
        }
    }
}
