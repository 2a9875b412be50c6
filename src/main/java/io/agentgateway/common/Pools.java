package io.agentgateway.common;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;

import org.apache.camel.builder.ThreadPoolProfileBuilder;
import org.apache.camel.spi.ExecutorServiceManager;
import org.apache.camel.spi.ThreadPoolProfile;
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

    public static ExecutorService fixed(ExecutorServiceManager executors, Object source, String name, int threads) {
        return executors.newThreadPool(source, name, profile(name, threads));
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
