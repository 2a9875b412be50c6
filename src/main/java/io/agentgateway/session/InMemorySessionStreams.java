package io.agentgateway.session;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.LongFunction;

import io.agentgateway.common.ClientSocket;
import io.agentgateway.common.ServerFrames;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link SessionStreams} for one gateway instance. Each session's log is guarded by its own lock, so sessions never
 * wait on each other. Frames go to the socket only while it can take them ({@link ClientSocket#writable()}); the
 * rest wait in the log and follow when the socket drains. A once-a-second sweep closes sockets that made no progress
 * for the slow-client timeout (code {@link #SLOW_CLIENT}) and forgets sessions nobody held for their TTL.
 */
public class InMemorySessionStreams implements SessionStreams {

    /** Close code for a client that stopped reading: it can reconnect with last_seq and get what it missed. */
    public static final short SLOW_CLIENT = 4008;

    private static final Logger LOG = LoggerFactory.getLogger(InMemorySessionStreams.class);
    private static final long SWEEP_MS = 1000;

    private record Entry(long seq, String text, int bytes) {
    }

    /** Kept frames, oldest first, with O(1) access by position (a growable ring). */
    private static final class Frames {
        private Entry[] ring = new Entry[16];
        private int head;
        private int size;

        void addLast(Entry e) {
            if (size == ring.length) {
                Entry[] bigger = new Entry[ring.length * 2];
                for (int i = 0; i < size; i++) {
                    bigger[i] = ring[(head + i) % ring.length];
                }
                ring = bigger;
                head = 0;
            }
            ring[(head + size++) % ring.length] = e;
        }

        Entry removeFirst() {
            Entry e = ring[head];
            ring[head] = null;
            head = (head + 1) % ring.length;
            size--;
            if (size == 0) {
                head = 0;
            }
            return e;
        }

        Entry get(int i) {
            return ring[(head + i) % ring.length];
        }

        Entry peekFirst() {
            return size == 0 ? null : ring[head];
        }

        int size() {
            return size;
        }

        boolean isEmpty() {
            return size == 0;
        }
    }

    /** One session's stream; every field guarded by the log itself. */
    private static final class Log {
        final String sessionId;
        final Frames frames = new Frames();
        long nextSeq;
        long keptBytes;
        long undeliveredBytes;
        ClientSocket socket;
        /** the highest seq written to the socket */
        long delivered = -1;
        /** when delivery last stalled on a full socket; 0 while it flows */
        long stalledSince;
        boolean drainAwaited;
        /** when the last socket left; 0 while one reads */
        long idleSince;
        String owner;
        boolean expired;
        /** producers to tell when undelivered frames no longer fill the buffer ({@link #onCapacity}); null if none */
        List<Runnable> roomWaiters;

        Log(String sessionId, long now) {
            this.sessionId = sessionId;
            this.idleSince = now;
        }

        long firstKept() {
            return frames.isEmpty() ? nextSeq : frames.peekFirst().seq();
        }
    }

    private final Map<String, Log> logs = new ConcurrentHashMap<>();
    private final ServerFrames frames;
    private final long bufferBytes;
    private final long slowClientNanos;
    private final long ttlNanos;
    private final Consumer<String> onExpired;

    /**
     * @param bufferBytes       frames kept per session, in bytes (GATEWAY__SESSION_BUFFER_BYTES)
     * @param slowClientTimeout how long a socket may make no progress while frames wait for it
     * @param ttl               how long a session nobody holds is kept
     * @param onExpired         told the id of each session forgotten
     */
    public InMemorySessionStreams(Vertx vertx, ServerFrames frames, long bufferBytes, Duration slowClientTimeout,
                                  Duration ttl, Consumer<String> onExpired) {
        this.frames = frames;
        this.bufferBytes = bufferBytes;
        this.slowClientNanos = slowClientTimeout.toNanos();
        this.ttlNanos = ttl.toNanos();
        this.onExpired = onExpired;
        vertx.setPeriodic(SWEEP_MS, id -> sweep());
    }

    private Log log(String sessionId) {
        while (true) {
            Log log = logs.computeIfAbsent(sessionId, id -> new Log(id, System.nanoTime()));
            synchronized (log) {
                if (!log.expired) {
                    return log;
                }
            }
            logs.remove(sessionId, log);
        }
    }

    @Override
    public long append(String sessionId, LongFunction<String> frame) {
        while (true) {
            Log log = log(sessionId);
            long seq;
            List<Runnable> ready;
            synchronized (log) {
                if (log.expired) {
                    continue; // expired between lookup and lock: append to the new one
                }
                seq = log.nextSeq++;
                String text = frame.apply(seq);
                int bytes = utf8Length(text);
                log.frames.addLast(new Entry(seq, text, bytes));
                log.keptBytes += bytes;
                log.undeliveredBytes += bytes;
                pump(log);
                evict(log);
                ready = takeReadyWaiters(log);
            }
            runAll(ready);
            return seq;
        }
    }

    @Override
    public Optional<Resumption> attach(ClientSocket socket, OptionalLong lastSeq) {
        boolean known = logs.containsKey(socket.sessionId());
        Log log = log(socket.sessionId());
        Optional<Resumption> told;
        List<Runnable> ready;
        synchronized (log) {
            log.socket = socket;
            log.idleSince = 0;
            log.stalledSince = 0;
            log.drainAwaited = false;
            Resumption resumption = null;
            long from = log.nextSeq - 1; // live frames only
            if (lastSeq.isPresent()) {
                long n = lastSeq.getAsLong();
                String error = null;
                if (!known) {
                    error = "Unknown or expired session: nothing to resume";
                } else if (n >= log.nextSeq) {
                    error = "last_seq " + n + " was never sent: the last seq of this session is " + (log.nextSeq - 1);
                } else if (n + 1 < log.firstKept()) {
                    error = "Frames after seq " + n + " are no longer kept: the oldest kept is " + log.firstKept();
                }
                resumption = new Resumption(n, error == null, error);
                socket.send(frames.resumed(n, error == null, error));
                if (error == null) {
                    from = n;
                }
            }
            log.delivered = from;
            log.undeliveredBytes = 0;
            for (int i = 0; i < log.frames.size(); i++) {
                Entry e = log.frames.get(i);
                if (e.seq() > from) {
                    log.undeliveredBytes += e.bytes();
                }
            }
            pump(log);
            told = Optional.ofNullable(resumption);
            ready = takeReadyWaiters(log);
        }
        runAll(ready);
        return told;
    }

    @Override
    public void detach(ClientSocket socket) {
        Log log = logs.get(socket.sessionId());
        if (log == null) {
            return;
        }
        synchronized (log) {
            if (log.socket == socket) {
                log.socket = null;
                log.idleSince = System.nanoTime();
                log.stalledSince = 0;
            }
        }
    }

    @Override
    public boolean hasCapacity(String sessionId) {
        Log log = logs.get(sessionId);
        if (log == null) {
            return true;
        }
        synchronized (log) {
            return hasRoom(log);
        }
    }

    @Override
    public void onCapacity(String sessionId, Runnable then) {
        Log log = logs.get(sessionId);
        if (log != null) {
            synchronized (log) {
                if (!hasRoom(log)) {
                    if (log.roomWaiters == null) {
                        log.roomWaiters = new ArrayList<>(1);
                    }
                    log.roomWaiters.add(then);
                    return;
                }
            }
        }
        then.run();
    }

    /** Holds the lock. A forgotten session no longer holds anyone back. */
    private boolean hasRoom(Log log) {
        return log.expired || log.undeliveredBytes < bufferBytes;
    }

    /** Holds the lock: the waiters to run (after unlocking) now that there is room, or null. */
    private List<Runnable> takeReadyWaiters(Log log) {
        if (log.roomWaiters == null || !hasRoom(log)) {
            return null;
        }
        List<Runnable> ready = log.roomWaiters;
        log.roomWaiters = null;
        return ready;
    }

    private static void runAll(List<Runnable> ready) {
        if (ready != null) {
            ready.forEach(Runnable::run);
        }
    }

    @Override
    public boolean claim(String sessionId, String identity) {
        Log log = log(sessionId);
        synchronized (log) {
            if (log.owner == null) {
                log.owner = identity;
            }
            return log.owner.equals(identity);
        }
    }

    @Override
    public boolean hasReader(String sessionId) {
        Log log = logs.get(sessionId);
        if (log == null) {
            return false;
        }
        synchronized (log) {
            return log.socket != null;
        }
    }

    @Override
    public int size() {
        return logs.size();
    }

    /** Writes waiting frames while the socket takes them; asks to be called again when it drains. Holds the lock. */
    private void pump(Log log) {
        ClientSocket socket = log.socket;
        if (socket == null || log.delivered >= log.nextSeq - 1) {
            return;
        }
        boolean progressed = false;
        long first = log.firstKept();
        while (log.delivered < log.nextSeq - 1 && socket.writable()) {
            long next = log.delivered + 1;
            Entry e = log.frames.get((int) (next - first)); // kept frames are contiguous from the first
            socket.send(e.text());
            log.delivered = next;
            log.undeliveredBytes -= e.bytes();
            progressed = true;
        }
        if (progressed) {
            log.stalledSince = 0; // producers waiting for room are told by pump's caller (takeReadyWaiters)
        }
        if (log.delivered < log.nextSeq - 1 && socket.isOpen()) {
            if (log.stalledSince == 0) {
                log.stalledSince = System.nanoTime();
                LOG.debug("Session {} waits for its client: {} bytes not yet taken", log.sessionId,
                        log.undeliveredBytes);
            }
            if (!log.drainAwaited) {
                log.drainAwaited = true;
                socket.onWritable(() -> {
                    // called back at once from inside this pump when the socket drained meanwhile: then the caller
                    // that holds the lock runs the waiters, after unlocking
                    boolean nested = Thread.holdsLock(log);
                    List<Runnable> ready;
                    synchronized (log) {
                        log.drainAwaited = false;
                        if (log.socket == socket) {
                            pump(log);
                        }
                        ready = nested ? null : takeReadyWaiters(log);
                    }
                    runAll(ready);
                });
            }
        }
    }

    /** Drops delivered frames, oldest first, while the log is over its size. Undelivered ones stay. */
    private void evict(Log log) {
        while (log.keptBytes > bufferBytes && !log.frames.isEmpty() && log.frames.peekFirst().seq() <= log.delivered) {
            log.keptBytes -= log.frames.removeFirst().bytes();
        }
    }

    private void sweep() {
        long now = System.nanoTime();
        for (Log log : logs.values()) {
            ClientSocket slow = null;
            boolean expire = false;
            List<Runnable> ready = null;
            synchronized (log) {
                if (log.socket != null && log.stalledSince != 0 && now - log.stalledSince > slowClientNanos) {
                    slow = log.socket;
                    log.socket = null;
                    log.idleSince = now;
                    log.stalledSince = 0;
                } else if (log.socket == null && log.idleSince != 0 && now - log.idleSince > ttlNanos) {
                    log.expired = true;
                    ready = takeReadyWaiters(log);
                    expire = true;
                }
            }
            runAll(ready);
            if (slow != null) {
                LOG.info("Closing a slow client of session {}: no progress for {} ms", log.sessionId,
                        slowClientNanos / 1_000_000);
                slow.close(SLOW_CLIENT, "too slow: reconnect with last_seq to resume");
            }
            if (expire) {
                logs.remove(log.sessionId, log);
                onExpired.accept(log.sessionId);
            }
        }
    }

    private static int utf8Length(String s) {
        int n = s.length();
        int bytes = n;
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c >= 0x80) {
                bytes += c >= 0x800 && !Character.isSurrogate(c) ? 2 : 1;
            }
        }
        return bytes;
    }
}
