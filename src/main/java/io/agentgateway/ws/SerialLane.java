package io.agentgateway.ws;

import java.util.ArrayDeque;
import java.util.concurrent.Executor;

/**
 * Runs its tasks one after another, in submission order, on shared pools: one lane per WebSocket connection keeps
 * each socket's frames in order without making sockets wait on each other. Each task names the pool it runs on, so a
 * task that may wait (opening a session) holds up its own socket only, not the threads other sockets' frames use.
 */
final class SerialLane implements Executor {

    /** Tasks run per turn on a pool thread before the lane yields it, so that a busy socket cannot hog a thread. */
    private static final int BATCH = 64;

    private record Task(Runnable run, Executor on) {
    }

    private final Executor pool;
    /** null while the lane is idle: most sockets are, and an empty deque still costs about 100 bytes */
    private ArrayDeque<Task> queue;
    private boolean scheduled;

    /** @param pool where tasks run unless they name another */
    SerialLane(Executor pool) {
        this.pool = pool;
    }

    @Override
    public void execute(Runnable task) {
        execute(task, pool);
    }

    /** Runs {@code task} on {@code on}, after every task submitted before it. */
    void execute(Runnable task, Executor on) {
        synchronized (this) {
            if (queue == null) {
                queue = new ArrayDeque<>(4);
            }
            queue.addLast(new Task(task, on));
            if (scheduled) {
                return;
            }
            scheduled = true;
        }
        on.execute(() -> drain(on));
    }

    synchronized int pending() {
        return queue == null ? 0 : queue.size();
    }

    private void drain(Executor current) {
        for (int i = 0; i < BATCH; i++) {
            Task next;
            synchronized (this) {
                next = queue.peekFirst();
                if (next == null) {
                    scheduled = false;
                    queue = null;
                    return;
                }
                if (next.on() == current) {
                    queue.pollFirst();
                }
            }
            if (next.on() != current) {
                // the next task runs elsewhere: the lane moves there, still scheduled
                Executor there = next.on();
                there.execute(() -> drain(there));
                return;
            }
            next.run().run();
        }
        current.execute(() -> drain(current));
    }
}
