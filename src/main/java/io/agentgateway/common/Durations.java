package io.agentgateway.common;

import java.time.Duration;

/** How durations are written in messages to clients. */
public final class Durations {

    private Durations() {
    }

    /** "30" for whole seconds, "0.3" otherwise; the caller adds the unit. */
    public static String seconds(Duration d) {
        long ms = d.toMillis();
        return ms % 1000 == 0 ? Long.toString(ms / 1000) : Double.toString(ms / 1000.0);
    }
}
