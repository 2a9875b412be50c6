package io.agentgateway.session;

import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.LongFunction;

import io.agentgateway.common.ClientSocket;

/**
 * Each chat session's stream: every frame the gateway sends to the session (answer tokens and finals, error finals,
 * tool calls) is appended here, numbered by the session's {@code seq}, and delivered from here to whichever socket
 * holds the session. The stream outlives its sockets: a client that reconnects with {@code last_seq} gets what it
 * missed. Bounded per session: delivered frames are evicted oldest first past the buffer size, and producers hold
 * back ({@link #hasCapacity}, {@link #onCapacity}) while the undelivered frames fill it.
 */
public interface SessionStreams {

    /**
     * What a session's stream holds, to carry it on elsewhere: the kept frames (their text, oldest first, their seqs
     * contiguous up to {@code nextSeq - 1}) and the session's owner.
     */
    record Snapshot(long nextSeq, java.util.List<String> frames, String owner) {
    }

    /** Marks a frame appended elsewhere, whose seq the stream that takes it writes in: see {@link #appendForwarded}. */
    long SEQ_PLACEHOLDER = Long.MIN_VALUE;

    /** What a socket that asked to resume was told first ({@code {"type": "resumed", ...}}). */
    record Resumption(long lastSeq, boolean recovered, String error) {
    }

    /** Appends the frame made for the next seq and delivers it when it can; returns that seq. Never blocks. */
    long append(String sessionId, LongFunction<String> frame);

    /**
     * Appends a non-final token frame of the session's answer ({@code {"type": "assistant_message", "token": token,
     * "is_final": false, "seq": n}}) as {@link #append} would, built as UTF-8 at once: the frame every token makes.
     */
    long appendToken(String sessionId, String token);

    /**
     * Makes {@code socket} the session's reader. Without {@code lastSeq} it gets live frames from now on. With it,
     * the socket first gets {@code {"type": "resumed", ...}}: then every kept frame after {@code lastSeq} and the live
     * ones, or, when those frames are no longer kept (or the session is unknown), live frames only.
     *
     * @return what the socket was told, when it asked to resume
     */
    java.util.Optional<Resumption> attach(ClientSocket socket, OptionalLong lastSeq);

    /** The socket no longer reads the session (closed, or taken over); the stream is kept for the session's TTL. */
    void detach(ClientSocket socket);

    /**
     * False while the session's undelivered frames fill its buffer (a client that does not read, or no client at
     * all): a producer should stop reading its source (the agent) instead of appending more. Never blocks.
     */
    boolean hasCapacity(String sessionId);

    /**
     * Runs {@code then} once, when the session has room again (its client read enough, a client came back, or the
     * session was forgotten); at once, on the calling thread, if it has room now. Never blocks: {@code then} runs on
     * whichever thread made room, outside the session's lock, so it should only hand work over (e.g. resume a
     * paused stream on its own event loop).
     */
    void onCapacity(String sessionId, Runnable then);

    /**
     * The session belongs to the identity that first claimed it, for the session's life: true when it is unclaimed
     * (now claimed) or already belongs to {@code identity}.
     */
    boolean claim(String sessionId, String identity);

    /** The identity that claimed the session here, if one did; claims nothing. */
    Optional<String> owner(String sessionId);

    /**
     * The session moves to instance {@code to}: {@code snapshotFirst} gets its stream as it is, before any frame
     * appended after it, and from now on every frame appended here goes to {@code forward} (its text with
     * {@link #SEQ_PLACEHOLDER} for a seq) instead. The frames forwarded are remembered (bounded): should the session
     * come back from {@code to} before {@code to} took them all, {@link #install} appends the rest here, in order.
     */
    Snapshot moveTo(String sessionId, String to, java.util.function.Consumer<Snapshot> snapshotFirst,
                    java.util.function.Consumer<String> forward);

    /** How many frames forwarded from {@code instance} this stream took in since it was installed here. */
    default int forwardedFrom(String sessionId, String instance) {
        return 0;
    }

    /** True when the session's stream moved to another instance. */
    boolean isMoved(String sessionId);

    /** Whether this instance has a stream for the session (with at least one frame, or a socket that held it). */
    boolean has(String sessionId);

    /** The seq the session's next frame here gets (0 for a session unknown here). */
    long nextSeq(String sessionId);

    /** The sessions whose streams are here (known, not moved to another instance). */
    java.util.List<String> sessions();

    /**
     * Takes on a session's stream from another instance (or from the store), unless the stream here numbered further
     * (its next seq is higher): then this one is the session, the snapshot an older copy of it, and it is kept.
     *
     * @param producer the instance whose answer may still stream into it, if any
     */
    default void install(String sessionId, Snapshot snapshot, java.util.Optional<String> producer) {
        install(sessionId, snapshot, producer, -1);
    }

    /**
     * As {@link #install(String, Snapshot, java.util.Optional)}, for a stream that comes back from the instance it was
     * moved to: that instance took in {@code took} of the frames forwarded to it (-1: unknown). The ones it did not
     * take (they were on their way when it moved the session back) are appended here after the snapshot, in order,
     * and before anything appended here later.
     */
    void install(String sessionId, Snapshot snapshot, java.util.Optional<String> producer, int took);

    /** An answer the stream left open (its instance stopped) ends with an error final saying it was interrupted. */
    void interruptIfOpen(String sessionId);

    /** An answer is open in the stream, whatever its frames show (none of it may have been saved). */
    default void markAnswerOpen(String sessionId) {
    }

    /** Whether the answer that {@code lastFrame} (a frame no longer kept) belonged to was still open. */
    default void markAnswerOpen(String sessionId, String lastFrame) {
    }

    /**
     * Appends a frame made on another instance ({@code from}; its seq is {@link #SEQ_PLACEHOLDER}). While that frame
     * leaves an answer open, {@code from} is the answer's producer: if it dies, the answer is interrupted here. A frame
     * from the very instance this stream moved to is dropped: it was on its way when the session went back there,
     * and that instance appends it itself (see {@link #install(String, Snapshot, java.util.Optional, int)}).
     */
    void appendForwarded(String sessionId, String frame, String from);

    /** The other instance whose answer streams into the session's stream here, if any. */
    java.util.Optional<String> producer(String sessionId);

    /** Whether a socket reads the session's stream now. */
    boolean hasReader(String sessionId);

    /** Sessions kept on this instance (with or without a socket). */
    int size();
}
