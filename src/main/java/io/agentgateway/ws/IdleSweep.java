package io.agentgateway.ws;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import io.netty.util.concurrent.EventExecutor;

/**
 * One timer per event loop that visits every socket of that loop a few times per ping interval, instead of a
 * timer (Netty's {@code IdleStateHandler}: a handler, its context and a scheduled task, about 260 bytes) per socket.
 * Each loop's list is touched by that loop only: sockets join it from their own event loop, and its timer runs
 * there; a closed socket leaves it at the next visit.
 */
final class IdleSweep {

    /** A socket the sweep visits. */
    interface Watched {
        /** Pings or closes as its silence asks, on its event loop; false once the socket is gone. */
        boolean visit(long nowNanos);
    }

    private final long periodMillis;
    private final Map<EventExecutor, List<Watched>> byLoop = new ConcurrentHashMap<>();

    /** @param periodMillis time between two visits of a socket: the precision of its ping and idle times */
    IdleSweep(long periodMillis) {
        this.periodMillis = Math.max(1, periodMillis);
    }

    /** On {@code loop}, the socket's event loop. */
    void watch(EventExecutor loop, Watched socket) {
        byLoop.computeIfAbsent(loop, l -> {
            List<Watched> sockets = new ArrayList<>();
            l.scheduleAtFixedRate(() -> visitAll(sockets), periodMillis, periodMillis, TimeUnit.MILLISECONDS);
            return sockets;
        }).add(socket);
    }

    private static void visitAll(List<Watched> sockets) {
        long now = System.nanoTime();
        sockets.removeIf(socket -> !socket.visit(now));
    }
}
