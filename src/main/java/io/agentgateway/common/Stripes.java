package io.agentgateway.common;

/**
 * A fixed set of monitors, one per key's hash: what concerns one key runs one thing at a time, in bounded memory,
 * and two keys rarely share a monitor.
 */
public final class Stripes {

    private final Object[] locks;

    public Stripes(int count) {
        locks = new Object[count];
        for (int i = 0; i < count; i++) {
            locks[i] = new Object();
        }
    }

    /** The monitor to synchronize on for {@code key}. */
    public Object of(String key) {
        return locks[(key.hashCode() & 0x7fffffff) % locks.length];
    }
}
