package io.agentgateway.ws;

import java.time.Duration;

import io.agentgateway.common.Durations;

/**
 * The per-socket frame rate limit, {@code GATEWAY__WS_MAX_FRAMES_PER_SECOND} (also the burst) and
 * {@code GATEWAY__WS_FLOOD_WINDOW}: see {@link FrameRateLimit}.
 *
 * @param perSecond   messages a socket may send a second; more are refused with an error frame
 * @param floodWindow how long a socket may keep going over the rate before it is closed with 1008
 */
public record FrameRate(int perSecond, Duration floodWindow) {

    /** Close code for a flooding client: 1008, policy violation (RFC 6455 section 7.4.1). */
    public static final short POLICY_VIOLATION = 1008;

    public FrameRate {
        if (perSecond < 1 || floodWindow.isNegative() || floodWindow.isZero()) {
            throw new IllegalArgumentException("need perSecond >= 1 and a positive flood window");
        }
    }

    FrameRateLimit start(long nowNanos) {
        return new FrameRateLimit(perSecond, floodWindow, nowNanos);
    }

    /** What a refused frame's sender gets (the same text for every socket, built once). */
    String refusal() {
        return "Too many frames: the limit is " + perSecond + " per second (GATEWAY__WS_MAX_FRAMES_PER_SECOND); "
               + "this frame was not processed";
    }

    /** The close reason for a flooding client (at most 123 bytes, as a close frame allows). */
    String closeReason() {
        return "Too many frames: over " + perSecond + " per second for " + Durations.seconds(floodWindow) + " s";
    }
}
