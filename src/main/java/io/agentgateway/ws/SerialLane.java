package io.agentgateway.ws;

import java.util.ArrayDeque;
import java.util.concurrent.Executor;

/**
 * Runs its tasks one after another, in submission order, on a shared pool: one lane per WebSocket connection
 * keeps each socket's frames in order without making sockets wait on each other.
 */
final class SerialLane implements Executor {

    /** Tasks run per turn on a pool thread before the lane yields it, so that a busy socket cannot hog a thread. */
    private static final int BATCH = 64;

    private final Executor pool;
    private final ArrayDeque<Runnable> queue = new ArrayDeque<>();
    private boolean scheduled;

    SerialLane(Executor pool) {
        this.pool = pool;
    }

    @Override
    public void execute(Runnable task) {
        synchronized (this) {
            queue.addLast(task);
            if (scheduled) {
                return;
            }
            scheduled = true;
        }
        pool.execute(this::drain);
    }

    synchronized int pending() {
        return queue.size();
    }

    private void drain() {
        for (int i = 0; i < BATCH; i++) {
            Runnable next;
            synchronized (this) {
                next = queue.pollFirst();
                if (next == null) {
                    scheduled = false;
                    return;
                }
            }
            next.run();
        }
        pool.execute(this::drain);
    }
}
