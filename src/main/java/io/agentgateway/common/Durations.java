package io.agentgateway.common;

import java.time.Duration;

/** How durations are written in messages to clients, and how often a key with a TTL is renewed. */
public final class Durations {

    private Durations() {
    }

    /** "30" for whole seconds, "0.3" otherwise; the caller adds the unit. */
    public static String seconds(Duration d) {
        long ms = d.toMillis();
        return ms % 1000 == 0 ? Long.toString(ms / 1000) : Double.toString(ms / 1000.0);
    }

    /**
     * How often to renew what expires {@code ttl} after its last renewal (a heartbeat, a lock, a slot): three times
     * per TTL, so that one missed renewal does not let it expire, and no more often than every 200 ms.
     */
    public static Duration renewEvery(Duration ttl) {
        return Duration.ofMillis(Math.max(200, ttl.toMillis() / 3));
    }
}
