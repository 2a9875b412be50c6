package io.agentgateway.session;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.RandomAccess;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.LongFunction;
import java.util.function.Predicate;
import java.util.function.ToLongFunction;

import io.agentgateway.common.ClientSocket;
import io.agentgateway.common.Pools;
import io.agentgateway.common.ServerFrames;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.PooledByteBufAllocator;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link SessionStreams} for one gateway instance. Each session's log is guarded by its own lock, so sessions never
 * wait on each other. Frames go to the socket only while it can take them ({@link ClientSocket#writable()}); the
 * rest wait in the log and follow when the socket drains. A once-a-second sweep closes sockets that made no progress
 * for the slow-client timeout (code {@link #SLOW_CLIENT}) and forgets sessions nobody held for their TTL.
 * <p>
 * Memory: each session keeps at most its buffer ({@code bufferBytes}) of frames, and all sessions together about
 * {@code totalBytes}: when many sessions share the instance, each keeps its share of the total instead (never less
 * than {@link #MIN_SHARE}), and its client may fall that far behind before its agent is held back. Without the total,
 * a thousand sessions taken over from a dead instance, each with a full buffer, took more heap than the process had.
 */
public class InMemorySessionStreams implements SessionStreams {

    /** Close code for a client that stopped reading: it can reconnect with last_seq and get what it missed. */
    public static final short SLOW_CLIENT = 4008;

    private static final Logger LOG = LoggerFactory.getLogger(InMemorySessionStreams.class);
    private static final long SWEEP_MS = 1000;
    private static final String INTERRUPTED =
            "Answer interrupted: the gateway instance streaming it stopped; ask again";

    /**
     * A kept frame: where its UTF-8 (the bytes it is sent as, encoded once) sits in its session's {@link Frames}, a
     * view made when read. {@code tokenEnd} as {@link ServerFrames#tokenTextEnd}: -1 unless it can be merged.
     */
    private record Entry(long seq, Frames in, int pos, int bytes, int tokenEnd) {

        /** The frame's bytes, to send: an array of its own, as a socket may hold it after the ring moved on. */
        byte[] utf8() {
            return in.utf8(pos, bytes);
        }

        /** Copies the frame's bytes {@code from} to {@code to} into {@code dst} at {@code at}. */
        void copy(int from, int to, byte[] dst, int at) {
            in.copy(pos + from, to - from, dst, at);
        }

        boolean mergeable() {
            return tokenEnd >= 0;
        }
    }

    /** Frames' texts over a copy of their UTF-8, one after the other; each decoded when read. */
    private static final class CopiedTexts extends AbstractList<String> implements RandomAccess {
        private final byte[] utf8;
        /** where each frame ends in {@link #utf8}; the next one starts there */
        private final int[] ends;

        CopiedTexts(byte[] utf8, int[] ends) {
            this.utf8 = utf8;
            this.ends = ends;
        }

        @Override
        public String get(int i) {
            int start = i == 0 ? 0 : ends[i - 1];
            return new String(utf8, start, ends[i] - start, StandardCharsets.UTF_8);
        }

        @Override
        public int size() {
            return ends.length;
        }
    }

    /**
     * Kept frames, oldest first, with O(1) access by position: their bytes one after the other in one growable ring
     * of bytes off the Java heap, and each frame's position and token end in rings of ints beside it (a frame ends
     * where the next one starts).
     * <p>
     * Every token of every session stays here for the buffer's size, so on the heap they were what each young
     * collection copied: at 1,000 sessions about 11 MB a pause, nearly all of its 10–40 ms (docs/benchmarks.md).
     * Off the heap the collector never sees them: the ring is a pooled direct buffer (Netty's allocator, as the
     * sockets' own buffers are), one small object per session on the heap, released when the session is forgotten,
     * when it keeps nothing, and when it grows into or shrinks to another.
     * <p>
     * Both rings are allocated at the first frame (an idle session's socket should cost as little as can be) and
     * shrink again when a quarter full, so a session trimmed to a smaller share does not keep the room of its larger
     * past (the soak saw 10 MiB of slots).
     */
    private static final class Frames {
        private static final int MIN_BYTES = 256;
        private static final int MIN_SLOTS = 16;
        private static final int[] NO_INTS = new int[0];

        /** the memory every session's ring holds, for the gauge */
        private final AtomicLong held;

        /** null while nothing is kept */
        private ByteBuf ring;
        /** where in {@link #ring} the first frame's first byte is */
        private int headByte;
        private int usedBytes;
        /** the first frame's position in the session's stream of bytes; positions wrap, only differences count */
        private int firstPos;

        private int[] starts = NO_INTS;
        private int[] tokenEnds = NO_INTS;
        private int headSlot;
        private int size;
        private long firstSeq;
        /** the newest frame's bytes as they were appended, until {@link #forgetNewest}: sent without a copy */
        private byte[] newest;

        Frames(AtomicLong held) {
            this.held = held;
        }

        void addLast(long seq, byte[] utf8, int tokenEnd) {
            if (size == 0) {
                firstSeq = seq;
            } else if (seq != firstSeq + size) {
                throw new IllegalStateException("Kept frames are contiguous: seq " + seq + " after "
                        + (firstSeq + size - 1));
            }
            if (size == starts.length) {
                resizeSlots(Math.max(MIN_SLOTS, starts.length * 2));
            }
            int room = ring == null ? 0 : ring.capacity();
            if ((long) usedBytes + utf8.length > room || room == 0) {
                resizeBytes((int) Math.min(Integer.MAX_VALUE - 8,
                        Math.max((long) usedBytes + utf8.length, Math.max(MIN_BYTES, 2L * room))));
            }
            int pos = firstPos + usedBytes;
            int to = index(pos);
            int first = Math.min(utf8.length, ring.capacity() - to);
            ring.setBytes(to, utf8, 0, first);
            ring.setBytes(0, utf8, first, utf8.length - first);
            usedBytes += utf8.length;
            int slot = (headSlot + size++) % starts.length;
            starts[slot] = pos;
            tokenEnds[slot] = tokenEnd;
            newest = utf8;
        }

        /** Drops the oldest frame; returns its length in bytes. */
        int removeFirst() {
            int bytes = length(0);
            headSlot = (headSlot + 1) % starts.length;
            firstSeq++;
            size--;
            headByte = (headByte + bytes) % ring.capacity();
            usedBytes -= bytes;
            firstPos += bytes;
            if (size == 0) {
                headSlot = 0;
                releaseBytes();
            } else if (ring.capacity() > MIN_BYTES && usedBytes < ring.capacity() / 4) {
                resizeBytes(ring.capacity() / 2);
            }
            if (starts.length > 4 * MIN_SLOTS && size < starts.length / 4) {
                resizeSlots(starts.length / 2);
            }
            return bytes;
        }

        /** Drops every frame and gives the ring's memory back. */
        void clear() {
            size = 0;
            headSlot = 0;
            releaseBytes();
        }

        private void releaseBytes() {
            if (ring != null) {
                held.addAndGet(-ring.capacity());
                ring.release();
                ring = null;
            }
            headByte = 0;
            firstPos += usedBytes;
            usedBytes = 0;
            newest = null;
        }

        /**
         * Every kept frame's text, oldest first, from one copy of their bytes made now (one copy of at most the
         * session's buffer): decoded only when read, which may be after the lock is let go and the ring has moved on.
         */
        List<String> copyTexts() {
            if (size == 0) {
                return List.of();
            }
            byte[] all = new byte[usedBytes];
            copy(firstPos, usedBytes, all, 0);
            int[] ends = new int[size];
            for (int i = 0; i < size; i++) {
                int next = i + 1 < size ? starts[(headSlot + i + 1) % starts.length] : firstPos + usedBytes;
                ends[i] = next - firstPos;
            }
            return new CopiedTexts(all, ends);
        }

        /** After this, a frame's bytes are read from the ring: the array it was appended from is not kept. */
        void forgetNewest() {
            newest = null;
        }

        Entry get(int i) {
            int slot = (headSlot + i) % starts.length;
            return new Entry(firstSeq + i, this, starts[slot], length(i), tokenEnds[slot]);
        }

        /** The length of the frame at {@code i}: frames lie end to end, so it is where the next one starts. */
        private int length(int i) {
            int end = i + 1 < size ? starts[(headSlot + i + 1) % starts.length] : firstPos + usedBytes;
            return end - starts[(headSlot + i) % starts.length];
        }

        byte[] utf8(int pos, int bytes) {
            if (newest != null && pos == starts[(headSlot + size - 1) % starts.length]) {
                return newest;
            }
            byte[] utf8 = new byte[bytes];
            copy(pos, bytes, utf8, 0);
            return utf8;
        }

        void copy(int pos, int bytes, byte[] dst, int at) {
            int from = index(pos);
            int first = Math.min(bytes, ring.capacity() - from);
            ring.getBytes(from, dst, at, first);
            ring.getBytes(0, dst, at + first, bytes - first);
        }

        private int index(int pos) {
            return (int) ((headByte + (long) (pos - firstPos)) % ring.capacity());
        }

        private void resizeBytes(int length) {
            ByteBuf resized = PooledByteBufAllocator.DEFAULT.directBuffer(length, length);
            if (usedBytes > 0) {
                int from = index(firstPos);
                int first = Math.min(usedBytes, ring.capacity() - from);
                resized.setBytes(0, ring, from, first);
                resized.setBytes(first, ring, 0, usedBytes - first);
            }
            held.addAndGet(length - (ring == null ? 0 : ring.capacity()));
            if (ring != null) {
                ring.release();
            }
            ring = resized;
            headByte = 0;
        }

        private void resizeSlots(int length) {
            int[] s = new int[length];
            int[] t = new int[length];
            for (int i = 0; i < size; i++) {
                int at = (headSlot + i) % starts.length;
                s[i] = starts[at];
                t[i] = tokenEnds[at];
            }
            starts = s;
            tokenEnds = t;
            headSlot = 0;
        }

        int capacity() {
            return starts.length;
        }

        int byteCapacity() {
            return ring == null ? 0 : ring.capacity();
        }

        /** The first kept frame's seq; only while not empty. */
        long firstSeq() {
            return firstSeq;
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
        final Frames frames;
        long nextSeq;
        long keptBytes;
        long undeliveredBytes;
        ClientSocket socket;
        /** the highest seq written to the socket */
        long delivered = -1;
        /** the socket could not take every frame when last offered: the tokens waiting for it go out merged */
        boolean behind;
        /** when delivery last stalled on a full socket; 0 while it flows */
        long stalledSince;
        boolean drainAwaited;
        /** when the last socket left; 0 while one reads */
        long idleSince;
        String owner;
        boolean expired;
        /** set once a socket held the session, or a frame was appended: the session is known */
        boolean known;
        /** where frames go once the session moved to another instance; null while it is here */
        Consumer<String> movedTo;
        /** the instance it moved to, and the frames forwarded there since (null past the buffer size) */
        String movedToInstance;
        List<String> forwarded;
        long forwardedBytes;
        /** the instance whose forwarded frames were appended here since the last install, and how many */
        String forwardedInFrom;
        int forwardedIn;
        /** the other instance whose answer streams in here (after a handover), if any */
        String producer;
        /** an answer's tokens went out and its final has not */
        boolean answerOpen;
        /** producers to tell when undelivered frames no longer fill the buffer ({@link #onCapacity}); null if none */
        List<Runnable> roomWaiters;

        Log(String sessionId, long now, AtomicLong held) {
            this.sessionId = sessionId;
            this.frames = new Frames(held);
            this.idleSince = now;
        }

        long firstKept() {
            return frames.isEmpty() ? nextSeq : frames.firstSeq();
        }
    }

    /** The least a session keeps (and may fall behind by), however many share the instance's total. */
    public static final long MIN_SHARE = 16 * 1024;

    private final Map<String, Log> logs = new ConcurrentHashMap<>();
    private final ServerFrames frames;
    private final long bufferBytes;
    private final long totalBytes;
    /** the sum of every log's keptBytes */
    private final AtomicLong keptTotal = new AtomicLong();
    /** the memory all logs' rings of kept frames hold */
    private final AtomicLong ringBytesTotal = new AtomicLong();
    private final long slowClientNanos;
    private final long ttlNanos;
    private final Consumer<String> onExpired;
    private final StreamStore store;
    private final Predicate<String> alive;
    private final int mergedFrameBytes;
    private final java.util.function.IntConsumer mergedTokens;

    /**
     * @param bufferBytes       frames kept per session, in bytes (GATEWAY__SESSION_BUFFER_BYTES)
     * @param totalBytes        frames kept by all sessions together, in bytes (GATEWAY__SESSION_BUFFER_TOTAL_BYTES)
     * @param slowClientTimeout how long a socket may make no progress while frames wait for it
     * @param ttl               how long a session nobody holds is kept
     * @param onExpired         told the id of each session forgotten
     * @param store             where frames are kept beyond this instance (StreamStore.NONE for one instance)
     * @param alive             whether another instance is alive (an answer streaming in from a dead one is
     *                          interrupted)
     * @param mergedFrameBytes  the largest frame that tokens waiting for a slow socket are merged into
     *                          (GATEWAY__MERGED_FRAME_BYTES); a single larger token still goes out whole
     * @param mergedTokens      told how many token frames each merged frame stood for
     */
    public InMemorySessionStreams(Vertx vertx, ServerFrames frames, long bufferBytes, long totalBytes,
                                  Duration slowClientTimeout,
                                  Duration ttl, Consumer<String> onExpired, StreamStore store,
                                  Predicate<String> alive, int mergedFrameBytes,
                                  java.util.function.IntConsumer mergedTokens) {
        this.mergedFrameBytes = mergedFrameBytes;
        this.mergedTokens = mergedTokens;
        this.store = store;
        this.alive = alive;
        this.frames = frames;
        this.bufferBytes = bufferBytes;
        this.totalBytes = totalBytes;
        this.slowClientNanos = slowClientTimeout.toNanos();
        this.ttlNanos = ttl.toNanos();
        this.onExpired = onExpired;
        // on a worker, not the timer's event loop: the sweep may ask Redis (whether an instance lives, releasing an
        // expired session's entries), one round trip per session
        Pools.everyOnWorker(vertx, SWEEP_MS, this::sweep);
    }

    private Log log(String sessionId) {
        while (true) {
            Log log = logs.computeIfAbsent(sessionId, id -> new Log(id, System.nanoTime(), ringBytesTotal));
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
        return append(sessionId, frame, null);
    }

    @Override
    public long appendToken(String sessionId, String token) {
        return append(sessionId, seq -> new String(ServerFrames.tokenUtf8(token, seq), StandardCharsets.UTF_8),
                token);
    }

    /**
     * @param token for a non-final token frame, its text: the frame kept here is built from it as UTF-8 (no string
     *              in between); {@code frame} then only makes what is forwarded elsewhere
     */
    private long append(String sessionId, LongFunction<String> frame, String token) {
        while (true) {
            Log log = log(sessionId);
            long seq;
            List<Runnable> ready;
            synchronized (log) {
                if (log.expired) {
                    continue; // expired between lookup and lock: append to the new one
                }
                if (log.movedTo != null) {
                    String text = frame.apply(SEQ_PLACEHOLDER);
                    rememberForwarded(log, text);
                    log.movedTo.accept(text);
                    ready = takeReadyWaiters(log);
                    seq = SEQ_PLACEHOLDER;
                } else {
                    seq = log.nextSeq++;
                    if (token != null) {
                        keepToken(log, seq, token);
                    } else {
                        keep(log, seq, frame.apply(seq));
                    }
                    ready = takeReadyWaiters(log);
                }
            }
            runAll(ready);
            return seq;
        }
    }

    /** Bounded by the buffer size: past it, a stream that comes back does without them. Holds the lock. */
    private void rememberForwarded(Log log, String text) {
        if (log.forwarded == null) {
            return;
        }
        log.forwardedBytes += text.length();
        if (log.forwardedBytes > share()) {
            log.forwarded = null;
        } else {
            log.forwarded.add(text);
        }
    }

    private static String numbered(String forwardedText, long seq) {
        return forwardedText.replace("\"seq\":" + SEQ_PLACEHOLDER, "\"seq\":" + seq);
    }

    /** Adds a frame with its seq to the log, delivers what it can, and saves it beyond memory. Holds the lock. */
    private void keep(Log log, long seq, String text) {
        log.known = true;
        trackAnswer(log, text);
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        store.appended(log.sessionId, seq, utf8);
        deliverKept(log, append(log, seq, utf8));
    }

    /** {@link #keep} for a non-final token frame, from its text. Holds the lock. */
    private void keepToken(Log log, long seq, String token) {
        log.known = true;
        log.answerOpen = true; // what trackAnswer makes of a non-final frame
        byte[] utf8 = ServerFrames.tokenUtf8(token, seq);
        store.appended(log.sessionId, seq, utf8);
        deliverKept(log, append(log, seq, utf8, ServerFrames.tokenTextEnd(utf8, seq)));
    }

    /** A frame of {@code bytes} was kept: delivers what it can, and frees what it must. Holds the lock. */
    private void deliverKept(Log log, int bytes) {
        log.undeliveredBytes += bytes;
        pump(log);
        log.frames.forgetNewest();
        evict(log);
    }

    /** Keeps a frame; returns its length in bytes. Holds the lock. */
    private int append(Log log, long seq, String text) {
        return append(log, seq, text.getBytes(StandardCharsets.UTF_8));
    }

    /** {@link #append} of a frame in UTF-8. */
    private int append(Log log, long seq, byte[] utf8) {
        return append(log, seq, utf8, ServerFrames.tokenTextEnd(utf8));
    }

    /** {@link #append} of a frame already in UTF-8, whose token text ends at {@code tokenTextEnd} (-1: none). */
    private int append(Log log, long seq, byte[] utf8, int tokenTextEnd) {
        log.frames.addLast(seq, utf8, tokenTextEnd);
        kept(log, utf8.length);
        return utf8.length;
    }

    private static void trackAnswer(Log log, String text) {
        if (text.contains("\"is_final\":false")) {
            log.answerOpen = true;
        } else if (text.contains("\"is_final\":true")) {
            log.answerOpen = false;
            log.producer = null; // the answer from another instance is over
        }
    }

    @Override
    public Optional<Resumption> attach(ClientSocket socket, OptionalLong lastSeq) {
        Log log = log(socket.sessionId());
        Optional<Resumption> told;
        List<Runnable> ready;
        synchronized (log) {
            boolean known = log.known;
            log.known = true;
            log.socket = socket;
            log.idleSince = 0;
            log.stalledSince = 0;
            log.drainAwaited = false;
            log.behind = false;
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
        return log.expired || log.movedTo != null || log.undeliveredBytes < share();
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
    public Optional<String> owner(String sessionId) {
        Log log = logs.get(sessionId);
        if (log == null) {
            return Optional.empty();
        }
        synchronized (log) {
            return log.expired ? Optional.empty() : Optional.ofNullable(log.owner);
        }
    }

    @Override
    public Snapshot moveTo(String sessionId, String to, Consumer<Snapshot> snapshotFirst, Consumer<String> forward) {
        Log log = log(sessionId);
        Snapshot snapshot;
        List<Runnable> ready;
        synchronized (log) {
            // the frames' bytes copied, not decoded: this lock is the one the session's producer, on an event loop,
            // takes for every token (decoding and writing out a full buffer here held it 8-50 ms)
            snapshot = new Snapshot(log.nextSeq, log.frames.copyTexts(), log.owner);
            snapshotFirst.accept(snapshot); // under the lock: no frame appended after it can overtake it
            log.movedTo = forward;
            log.movedToInstance = to;
            log.forwarded = new ArrayList<>();
            log.forwardedBytes = 0;
            log.socket = null;
            log.idleSince = System.nanoTime();
            ready = takeReadyWaiters(log); // a producer held back here no longer is: its frames go elsewhere
        }
        runAll(ready);
        return snapshot;
    }

    @Override
    public boolean isMoved(String sessionId) {
        Log log = logs.get(sessionId);
        if (log == null) {
            return false;
        }
        synchronized (log) {
            return log.movedTo != null;
        }
    }

    @Override
    public boolean has(String sessionId) {
        Log log = logs.get(sessionId);
        if (log == null) {
            return false;
        }
        synchronized (log) {
            return log.known && log.movedTo == null;
        }
    }

    @Override
    public long nextSeq(String sessionId) {
        Log log = logs.get(sessionId);
        if (log == null) {
            return 0;
        }
        synchronized (log) {
            return log.nextSeq;
        }
    }

    @Override
    public List<String> sessions() {
        List<String> here = new ArrayList<>();
        for (Log log : logs.values()) {
            synchronized (log) {
                if (log.known && log.movedTo == null && !log.expired) {
                    here.add(log.sessionId);
                }
            }
        }
        return here;
    }

    @Override
    public int forwardedFrom(String sessionId, String instance) {
        Log log = logs.get(sessionId);
        if (log == null) {
            return 0;
        }
        synchronized (log) {
            return instance.equals(log.forwardedInFrom) ? log.forwardedIn : 0;
        }
    }

    @Override
    public void install(String sessionId, Snapshot snapshot, Optional<String> producer, int took) {
        Log log = log(sessionId);
        synchronized (log) {
            // frames this instance forwarded to the one the stream comes back from, which that one had not taken
            List<String> behind = List.of();
            if (took >= 0 && log.movedTo != null && log.forwarded != null
                    && producer.isPresent() && producer.get().equals(log.movedToInstance)) {
                behind = new ArrayList<>(log.forwarded.subList(Math.min(took, log.forwarded.size()),
                        log.forwarded.size()));
            }
            if (log.known && log.movedTo == null && !log.expired && log.nextSeq > snapshot.nextSeq()) {
                // this copy numbered further than the one sent: it is the session (the other an older copy of it),
                // and frames forwarded from there go on after it
                LOG.info("Session {}: kept the stream here (next seq {}) over an older copy (next seq {})",
                        sessionId, log.nextSeq, snapshot.nextSeq());
                return;
            }
            log.frames.clear();
            kept(log, -log.keptBytes);
            log.undeliveredBytes = 0;
            List<String> texts = snapshot.frames();
            long firstSeq = snapshot.nextSeq() - texts.size();
            log.answerOpen = false;
            // only the newest frames that fit the session's share: a store may hold far more than that
            int from = texts.size();
            long share = share();
            for (long bytes = 0; from > 0 && bytes < share; ) {
                bytes += ByteBufUtil.utf8Bytes(texts.get(--from));
            }
            for (int i = 0; i < texts.size(); i++) {
                trackAnswer(log, texts.get(i)); // every frame: whether an answer is open is the last one's to say
                if (i >= from) {
                    append(log, firstSeq + i, texts.get(i));
                }
            }
            log.nextSeq = snapshot.nextSeq();
            log.delivered = log.nextSeq - 1;
            log.known = true;
            log.movedTo = null;
            log.producer = log.answerOpen ? producer.orElse(null) : null; // only an open answer still streams in
            if (snapshot.owner() != null) {
                log.owner = snapshot.owner();
            }
            log.movedToInstance = null;
            log.forwarded = null;
            log.forwardedInFrom = null;
            log.forwardedIn = 0;
            evict(log);
            for (String text : behind) {
                long next = log.nextSeq++;
                keep(log, next, numbered(text, next));
            }
        }
    }

    @Override
    public void appendForwarded(String sessionId, String frame, String from) {
        Log log = log(sessionId);
        synchronized (log) {
            if (log.movedTo != null && from.equals(log.movedToInstance)) {
                return; // forwarded here as the session went back there: that instance appends it itself
            }
            if (log.movedTo == null) {
                if (!from.equals(log.forwardedInFrom)) {
                    log.forwardedInFrom = from;
                    log.forwardedIn = 0;
                }
                log.forwardedIn++;
            }
        }
        append(sessionId, seq -> numbered(frame, seq));
        synchronized (log) {
            if (log.answerOpen && log.producer == null) {
                log.producer = from; // an answer that began there after the handover
            }
        }
    }

    @Override
    public Optional<String> producer(String sessionId) {
        Log log = logs.get(sessionId);
        if (log == null) {
            return Optional.empty();
        }
        synchronized (log) {
            return Optional.ofNullable(log.producer);
        }
    }

    /**
     * The answer that was streaming when its instance stopped ends here with an error final, so a client waiting
     * for is_final stops. Holds the lock.
     */
    private void interrupt(Log log, String why) {
        if (log.answerOpen) {
            long seq = log.nextSeq++;
            keep(log, seq, frames.turnError(why, seq));
        }
        log.producer = null;
    }

    @Override
    public void markAnswerOpen(String sessionId) {
        Log log = log(sessionId);
        synchronized (log) {
            log.answerOpen = true;
        }
    }

    @Override
    public void markAnswerOpen(String sessionId, String lastFrame) {
        Log log = log(sessionId);
        synchronized (log) {
            trackAnswer(log, lastFrame);
        }
    }

    @Override
    public void interruptIfOpen(String sessionId) {
        Log log = log(sessionId);
        synchronized (log) {
            interrupt(log, INTERRUPTED);
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
            int at = (int) (log.delivered + 1 - first); // kept frames are contiguous from the first
            int last = log.behind ? lastToMerge(log, at) : at;
            if (last == at) {
                Entry e = log.frames.get(at);
                socket.sendUtf8(e.utf8());
                log.delivered = e.seq();
                log.undeliveredBytes -= e.bytes();
            } else {
                sendMerged(log, socket, at, last);
            }
            progressed = true;
        }
        if (progressed) {
            log.stalledSince = 0; // producers waiting for room are told by pump's caller (takeReadyWaiters)
        }
        // Merging starts once the socket has left frames waiting, and stops once it has taken them all: a socket
        // that keeps up gets every token on its own, at once.
        log.behind = log.delivered < log.nextSeq - 1;
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

    /**
     * The position of the last kept frame that goes out merged with the one at {@code at}: the run of token frames
     * from it whose merged frame stays within the size limit (the texts joined in one envelope, not the frames'
     * sizes added); {@code at} itself when it is not a token or is alone. Holds the lock.
     */
    private int lastToMerge(Log log, int at) {
        Entry e = log.frames.get(at);
        if (!e.mergeable()) {
            return at;
        }
        int from = ServerFrames.tokenTextStart();
        int end = (int) (log.nextSeq - 1 - log.firstKept());
        int text = e.tokenEnd() - from;
        int last = at;
        while (last < end) {
            Entry n = log.frames.get(last + 1);
            if (!n.mergeable()) {
                break;
            }
            int withNext = text + n.tokenEnd() - from;
            if (ServerFrames.mergedTokenBytes(withNext, n.seq()) > mergedFrameBytes) {
                break;
            }
            text = withNext;
            last++;
        }
        return last;
    }

    /**
     * Sends the token frames at positions {@code at} to {@code last} as one frame with their texts joined, under the
     * highest seq among them: nothing split, reordered or lost, and a client resuming from that seq misses nothing.
     * Holds the lock.
     */
    private void sendMerged(Log log, ClientSocket socket, int at, int last) {
        int from = ServerFrames.tokenTextStart();
        int textBytes = 0;
        for (int i = at; i <= last; i++) {
            textBytes += log.frames.get(i).tokenEnd() - from;
        }
        byte[] text = new byte[textBytes];
        int filled = 0;
        long bytes = 0;
        for (int i = at; i <= last; i++) {
            Entry e = log.frames.get(i);
            e.copy(from, e.tokenEnd(), text, filled);
            filled += e.tokenEnd() - from;
            bytes += e.bytes();
        }
        Entry lastEntry = log.frames.get(last);
        socket.sendUtf8(ServerFrames.mergedToken(text, lastEntry.seq()));
        log.delivered = lastEntry.seq();
        log.undeliveredBytes -= bytes;
        mergedTokens.accept(last - at + 1);
    }

    /**
     * Drops delivered frames, oldest first, while the log is over its size. Undelivered ones stay, except when an
     * answer streams in from another instance, which this one cannot hold back: past twice the size the oldest go
     * anyway, and a socket that had not read them is closed (4008) so that it resumes and learns what it lost.
     */
    private void evict(Log log) {
        long share = share();
        trim(log, share);
        while (log.producer != null && log.keptBytes > 2 * share && !log.frames.isEmpty()) {
            long seq = log.frames.firstSeq();
            int bytes = log.frames.removeFirst();
            kept(log, -bytes);
            if (seq > log.delivered) {
                log.undeliveredBytes -= bytes;
                log.delivered = seq;
                if (log.socket != null) {
                    ClientSocket slow = log.socket;
                    log.socket = null;
                    log.idleSince = System.nanoTime();
                    slow.close(SLOW_CLIENT, "too slow: reconnect with last_seq to resume");
                }
            }
        }
    }

    /** Holds the lock. */
    private void kept(Log log, long bytes) {
        log.keptBytes += bytes;
        keptTotal.addAndGet(bytes);
    }

    /**
     * What one session may keep now: its own buffer, or its part of the instance's total when many sessions share
     * it (the sessions known here, including those idle or moved away, which the sweep trims).
     */
    private long share() {
        long part = totalBytes / Math.max(1, logs.size());
        return Math.min(bufferBytes, Math.max(MIN_SHARE, part));
    }

    /**
     * Gives back the memory of every session's kept frames (off the heap, so not the collector's to free), once
     * nothing appends any more: as the gateway stops.
     */
    public void close() {
        for (Log log : logs.values()) {
            synchronized (log) {
                log.frames.clear();
            }
        }
    }

    /** Bytes of frames all sessions keep together (for tests and metrics). */
    public long keptBytes() {
        return keptTotal.get();
    }

    /** Direct memory all sessions' rings of kept frames hold (for tests and metrics). */
    public long ringBytes() {
        return ringBytesTotal.get();
    }

    /** Slots of one session's ring of kept frames. */
    int ringCapacity(String sessionId) {
        return (int) ofLog(sessionId, log -> log.frames.capacity());
    }

    /** Bytes of room in one session's ring of kept frames' bytes. */
    int ringBytes(String sessionId) {
        return (int) ofLog(sessionId, log -> log.frames.byteCapacity());
    }

    /** Bytes of frames one session keeps. */
    long keptBytes(String sessionId) {
        return ofLog(sessionId, log -> log.keptBytes);
    }

    /** A figure of one session's log, read under its lock; 0 for a session not known here (for tests). */
    private long ofLog(String sessionId, ToLongFunction<Log> figure) {
        Log log = logs.get(sessionId);
        if (log == null) {
            return 0;
        }
        synchronized (log) {
            return figure.applyAsLong(log);
        }
    }

    /**
     * Holds the lock. Drops the oldest frames the client has read until the session keeps no more than its share; an
     * append does it for its session, and the sweep, over the total, for sessions nothing is appended to any more
     * (idle, or moved to another instance). A moved session's frames are a copy the instance it moved to was sent, so
     * they go whether read or not.
     */
    private void trim(Log log, long share) {
        while (log.keptBytes > share && !log.frames.isEmpty()
                && (log.movedTo != null || log.frames.firstSeq() <= log.delivered)) {
            kept(log, -log.frames.removeFirst());
        }
    }

    private void sweep() {
        long now = System.nanoTime();
        boolean over = keptTotal.get() > totalBytes;
        long share = share();
        for (Log log : logs.values()) {
            ClientSocket slow = null;
            boolean expire = false;
            String producer;
            List<Runnable> ready = null;
            synchronized (log) {
                producer = log.producer;
            }
            // asked outside the lock: it may ask Redis
            boolean producerGone = producer != null && !alive.test(producer);
            synchronized (log) {
                if (producerGone && producer.equals(log.producer)) {
                    interrupt(log, INTERRUPTED);
                }
                if (over) {
                    trim(log, share);
                }
                if (log.socket != null && log.stalledSince != 0 && now - log.stalledSince > slowClientNanos) {
                    slow = log.socket;
                    log.socket = null;
                    log.idleSince = now;
                    log.stalledSince = 0;
                } else if (log.socket == null && log.producer == null && log.idleSince != 0
                           && now - log.idleSince > ttlNanos) {
                    log.expired = true;
                    kept(log, -log.keptBytes);
                    log.frames.clear();
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
}
