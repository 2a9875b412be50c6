package io.agentgateway.common;

import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedTransferQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import io.vertx.core.Vertx;
import org.apache.camel.builder.ThreadPoolProfileBuilder;
import org.apache.camel.spi.ExecutorServiceManager;
import org.apache.camel.spi.ThreadPoolProfile;
import org.apache.camel.util.concurrent.CamelThreadFactory;
import org.apache.camel.util.concurrent.ThreadPoolRejectedPolicy;

/**
 * Thread pools that never run a task on the thread that submits it. Camel's default profile queues 1,000 tasks and
 * then runs the next one on the caller: an event loop that would then block, or a second thread in a pool meant to
 * be one thread (a single-threaded publisher that keeps order would publish out of order). The callers bound what
 * they submit themselves: a socket's lane has at most one task in a pool, the relay counts its messages.
 */
public final class Pools {

    private Pools() {
    }

    /**
     * Runs each task on one of Vert.x's worker threads, unordered: for blocking work (a Redis call) that an event loop
     * or a Vert.x timer starts and nobody waits for.
     */
    public static Executor vertxWorker(Vertx vertx) {
        return task -> vertx.executeBlocking(() -> {
            task.run();
            return null;
        }, false);
    }

    /**
     * Runs {@code task} on a Vert.x worker now and then every {@code periodMillis}, never two at once: a period that
     * comes while the previous run still goes (Redis slow or away, each call waiting for its timeout) is skipped, not
     * queued, so a stalled task holds one worker thread and not all of them.
     */
    public static void everyOnWorker(Vertx vertx, long periodMillis, Runnable task) {
        Executor worker = vertxWorker(vertx);
        AtomicBoolean running = new AtomicBoolean();
        Runnable once = () -> {
            if (running.compareAndSet(false, true)) {
                worker.execute(() -> {
                    try {
                        task.run();
                    } finally {
                        running.set(false);
                    }
                });
            }
        };
        once.run();
        vertx.setPeriodic(periodMillis, id -> once.run());
    }

    public static ExecutorService fixed(ExecutorServiceManager executors, Object source, String name, int threads) {
        return executors.newThreadPool(source, name, profile(name, threads));
    }

    /**
     * A pool that starts a thread only when every thread it has is busy, up to {@code maxThreads}, and lets a thread
     * go after {@code idle} without work. A fixed pool starts a new thread for each task until it is full, even while
     * its other threads are idle: a wave of short tasks (8,000 sockets opening) would fill it for nothing. Here the
     * thread count follows how many tasks run at once, which is what blocking costs, not how many were submitted.
     * Past {@code maxThreads} busy threads, tasks queue (unbounded: the callers bound what they submit).
     *
     * @param kept threads started at once and kept while the pool runs (at most {@code maxThreads}): the work the
     *             pool surely gets from the start then changes no thread count
     */
    public static ExecutorService onDemand(ExecutorServiceManager executors, String name, int kept, int maxThreads,
                                           Duration idle) {
        return onDemand(new CamelThreadFactory(executors.getThreadNamePattern(), name, true), kept, maxThreads, idle);
    }

    /** The same, with the threads {@code threads} makes (Vert.x's worker threads, for one). */
    public static ExecutorService onDemand(ThreadFactory threads, int kept, int maxThreads, Duration idle) {
        HandOffQueue queue = new HandOffQueue();
        ThreadPoolExecutor pool = new ThreadPoolExecutor(Math.min(kept, maxThreads), maxThreads, idle.toMillis(),
                TimeUnit.MILLISECONDS, queue, threads,
                (task, full) -> {
                    if (full.isShutdown()) {
                        throw new RejectedExecutionException("The pool is shut down");
                    }
                    queue.enqueue(task);
                    if (full.getPoolSize() == 0) {
                        // the last thread timed out between refusing the task and its queueing: start one for it
                        full.execute(() -> {
                        });
                    }
                });
        pool.prestartAllCoreThreads();
        return pool;
    }

    /**
     * The pool's queue: offering a task hands it to an idle thread or fails, and a failed offer makes the pool start
     * a thread (or, when full, queue it through {@link #enqueue}).
     */
    private static final class HandOffQueue extends LinkedTransferQueue<Runnable> {

        @Override
        public boolean offer(Runnable task) {
            return tryTransfer(task);
        }

        void enqueue(Runnable task) {
            super.offer(task);
        }
    }

    public static ScheduledExecutorService scheduled(ExecutorServiceManager executors, Object source, String name,
                                                     int threads) {
        return executors.newScheduledThreadPool(source, name, profile(name, threads));
    }

    private static ThreadPoolProfile profile(String name, int threads) {
        return new ThreadPoolProfileBuilder(name).poolSize(threads).maxPoolSize(threads).keepAliveTime(0L)
                .allowCoreThreadTimeOut(false).maxQueueSize(Integer.MAX_VALUE)
                .rejectedPolicy(ThreadPoolRejectedPolicy.Abort).build();
    }
}
