package io.agentgateway.common;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.Predicate;

import io.vertx.core.Vertx;

/**
 * Entries that end on their own after a period of silence, each exactly once: removed by the owner, or expired by a
 * Vert.x timer (so waiting costs no thread). {@link #touch} restarts an entry's silence without a new timer per call:
 * the timer, when it fires, checks how long the entry has really been silent and re-arms for the rest.
 * <p>
 * Serves the tool calls, judgements and queued chat turns that wait for a client or a worker.
 */
public final class TimedEntries<K, V> {

    private final class Entry {
        final V value;
        final long timeoutMs;
        final BiConsumer<K, V> onTimeout;
        long lastHeard = System.nanoTime();
        long timerId;

        Entry(V value, long timeoutMs, BiConsumer<K, V> onTimeout) {
            this.value = value;
            this.timeoutMs = timeoutMs;
            this.onTimeout = onTimeout;
        }
    }

    private final Vertx vertx;
    /** guarded by this */
    private final Map<K, Entry> entries = new HashMap<>();

    public TimedEntries(Vertx vertx) {
        this.vertx = vertx;
    }

    /**
     * Adds an entry that expires after {@code timeout} of silence, calling {@code onTimeout} (outside any lock).
     * Returns false, adding nothing, when {@code key} is present.
     */
    public boolean add(K key, V value, Duration timeout, BiConsumer<K, V> onTimeout) {
        Entry e = new Entry(value, Math.max(1, timeout.toMillis()), onTimeout);
        synchronized (this) {
            if (entries.putIfAbsent(key, e) != null) {
                return false;
            }
            e.timerId = vertx.setTimer(e.timeoutMs, id -> check(key, e));
        }
        return true;
    }

    private void check(K key, Entry e) {
        synchronized (this) {
            if (entries.get(key) != e) {
                return; // removed meanwhile
            }
            long silentMs = (System.nanoTime() - e.lastHeard) / 1_000_000;
            if (silentMs < e.timeoutMs) {
                e.timerId = vertx.setTimer(e.timeoutMs - silentMs, id -> check(key, e));
                return;
            }
            entries.remove(key);
        }
        e.onTimeout.accept(key, e.value);
    }

    /** Removes and returns the entry, or null when it is gone (removed, or expired). */
    public V remove(K key) {
        Entry e;
        synchronized (this) {
            e = entries.remove(key);
        }
        if (e == null) {
            return null;
        }
        vertx.cancelTimer(e.timerId);
        return e.value;
    }

    /** The entry, or null. */
    public synchronized V get(K key) {
        Entry e = entries.get(key);
        return e == null ? null : e.value;
    }

    /** Restarts the entry's silence; returns its value, or null when it is gone. */
    public synchronized V touch(K key) {
        Entry e = entries.get(key);
        if (e == null) {
            return null;
        }
        e.lastHeard = System.nanoTime();
        return e.value;
    }

    /** Removes every entry whose value matches, without calling their timeouts; returns them. */
    public List<V> removeIf(Predicate<V> which) {
        List<Entry> gone = new ArrayList<>();
        synchronized (this) {
            entries.values().removeIf(e -> {
                boolean match = which.test(e.value);
                if (match) {
                    gone.add(e);
                }
                return match;
            });
        }
        List<V> values = new ArrayList<>(gone.size());
        for (Entry e : gone) {
            vertx.cancelTimer(e.timerId);
            values.add(e.value);
        }
        return values;
    }

    /** Values that match, without removing them. */
    public synchronized List<V> values(Predicate<V> which) {
        List<V> values = new ArrayList<>();
        for (Entry e : entries.values()) {
            if (which.test(e.value)) {
                values.add(e.value);
            }
        }
        return values;
    }

    public synchronized int size() {
        return entries.size();
    }
}
