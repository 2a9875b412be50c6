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
        public void appended(String sessionId, long seq, byte[] utf8) {
        }

        @Override
        public void flush() {
        }

        @Override
        public Optional<SessionStreams.Snapshot> load(String sessionId) {
            return Optional.empty();
        }
    };

    /**
     * A frame was appended to a session's stream here, as the UTF-8 it is kept and sent as (not to be changed): never
     * blocks, and neither decodes nor copies it on the caller's thread.
     */
    void appended(String sessionId, long seq, byte[] utf8);

    /** Writes what is queued now (blocking: not on an event loop). */
    void flush();

    /** The frames kept for a session, if any (blocking: not on an event loop). */
    Optional<SessionStreams.Snapshot> load(String sessionId);
}
