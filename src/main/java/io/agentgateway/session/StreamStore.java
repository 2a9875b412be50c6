package io.agentgateway.session;

import java.util.Optional;

/**
 * Where sessions' frames are kept beyond this instance's memory, so that another instance can carry a session on
 * after this one stopped or let go of it. Writes are off the token's path (queued, written in batches).
 */
public interface StreamStore {

    /** One instance alone keeps nothing beyond its memory. */
    StreamStore NONE = new StreamStore() {
        @Override
        public void appended(String sessionId, long seq, String text) {
        }

        @Override
        public void appendedUtf8(String sessionId, long seq, byte[] utf8) {
        }

        @Override
        public void flush() {
        }

        @Override
        public Optional<SessionStreams.Snapshot> load(String sessionId) {
            return Optional.empty();
        }
    };

    /** A frame was appended to a session's stream here; never blocks. */
    void appended(String sessionId, long seq, String text);

    /** The same for a frame kept as UTF-8 (a token's): never blocks, and decodes nothing on the caller's thread. */
    void appendedUtf8(String sessionId, long seq, byte[] utf8);

    /** Writes what is queued now (blocking: not on an event loop). */
    void flush();

    /** The frames kept for a session, if any (blocking: not on an event loop). */
    Optional<SessionStreams.Snapshot> load(String sessionId);
}
