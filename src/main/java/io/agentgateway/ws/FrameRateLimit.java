package io.agentgateway.ws;

import java.time.Duration;

/**
 * One socket's frame rate: a token bucket of {@code perSecond} frames a second with a burst of {@code perSecond}
 * (a client that has been quiet may send a second's worth at once), and the flood rule that ends a socket which
 * keeps going over it.
 * <p>
 * <b>Flood.</b> Refused frames form a run while each comes less than {@link #COMPLIANT_GAP} (1 s) after the one
 * before: a client that stays within the rate for a whole second ends the run. When a run spans
 * {@code floodWindow} (10 s by default, the time from its first refused frame to the current one), the verdict is
 * {@link Verdict#CLOSE}. So a client is closed only after it went over the rate again and again, with no compliant
 * second in between, for the whole window.
 * <p>
 * O(1) time and memory per frame, and no lock: it is confined to the socket's event loop (Vert.x calls a socket's
 * message handler on one thread), so it must not be shared between sockets or threads.
 */
final class FrameRateLimit {

    /** A second without a refused frame ends a flood run. */
    static final Duration COMPLIANT_GAP = Duration.ofSeconds(1);

    /** What to do with a frame. */
    enum Verdict {
        /** Within the rate: process it. */
        ACCEPT,
        /** Over the rate: do not process it, tell the client. */
        REFUSE,
        /** Over the rate for the whole flood window: close the socket with 1008. */
        CLOSE,
        /** The socket was closed for flooding: drop the frame silently. */
        DROP
    }

    private final int perSecond;
    private final long intervalNanos;
    private final long burstToleranceNanos;
    private final long floodWindowNanos;
    private final long gapNanos = COMPLIANT_GAP.toNanos();

    /** Generic cell rate algorithm: the time at which the bucket would be full again (a token bucket in one long). */
    private long theoreticalArrival;
    private boolean flooding;
    private long floodStart;
    private long lastRefusal;
    private boolean closed;

    /**
     * @param perSecond   frames a second, also the burst
     * @param floodWindow how long a run of refusals lasts before the socket is closed
     */
    FrameRateLimit(int perSecond, Duration floodWindow, long nowNanos) {
        if (perSecond < 1 || floodWindow.isNegative() || floodWindow.isZero()) {
            throw new IllegalArgumentException("need perSecond >= 1 and a positive flood window");
        }
        this.perSecond = perSecond;
        this.intervalNanos = 1_000_000_000L / perSecond;
        this.burstToleranceNanos = (perSecond - 1) * intervalNanos;
        this.floodWindowNanos = floodWindow.toNanos();
        this.theoreticalArrival = nowNanos;
    }

    int perSecond() {
        return perSecond;
    }

    /** The verdict on a frame that arrived at {@code nowNanos} (System.nanoTime()). */
    Verdict onFrame(long nowNanos) {
        if (closed) {
            return Verdict.DROP;
        }
        long tat = nowNanos - theoreticalArrival > 0 ? nowNanos : theoreticalArrival;
        if (tat - nowNanos <= burstToleranceNanos) {
            theoreticalArrival = tat + intervalNanos;
            return Verdict.ACCEPT;
        }
        if (!flooding || nowNanos - lastRefusal >= gapNanos) {
            flooding = true;
            floodStart = nowNanos;
        }
        lastRefusal = nowNanos;
        if (nowNanos - floodStart >= floodWindowNanos) {
            closed = true;
            return Verdict.CLOSE;
        }
        return Verdict.REFUSE;
    }
}
