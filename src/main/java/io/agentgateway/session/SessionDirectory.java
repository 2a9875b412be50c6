package io.agentgateway.session;

import java.util.Optional;

/**
 * Which gateway instance holds each chat session's socket, so that any instance can reach any socket. One instance
 * alone needs no directory ({@link #LOCAL}); several share one in Redis.
 */
public interface SessionDirectory {

    /** For one instance: every session that exists is here. */
    SessionDirectory LOCAL = new SessionDirectory() {
        @Override
        public Optional<String> claim(String sessionId) {
            return Optional.empty();
        }

        @Override
        public void release(String sessionId) {
        }

        @Override
        public Optional<String> holder(String sessionId) {
            return Optional.empty();
        }
    };

    /** This instance now holds the session's socket; returns the other live instance that held it before, if any. */
    Optional<String> claim(String sessionId);

    /** This instance no longer holds the session's socket (unless another instance claimed it meanwhile). */
    void release(String sessionId);

    /** Frees the session's answer lock if the instance holding it is dead (its answer was just interrupted here). */
    default void releaseDeadTurn(String sessionId) {
    }

    /** The other instance holding the session's answer lock (streaming an answer of it), if any. */
    default Optional<String> answerStreamingElsewhere(String sessionId) {
        return Optional.empty();
    }

    /** The other live instance holding the session's socket, if any (empty when it is here, nowhere, or dead). */
    Optional<String> holder(String sessionId);

    /** Whether the directory names this instance as the session's holder now (blocking). */
    default boolean claimedHere(String sessionId) {
        return true;
    }

    /**
     * Whether the instance beat within about one heartbeat period, so it still answers (its messages may be late);
     * false for one that is dead or died a moment ago, though it counts as alive until its TTL (blocking).
     */
    default boolean responsive(String instanceId) {
        return false;
    }

    /**
     * Entries may be missing for now: the shared directory lost its data a moment ago (a Redis restarted empty) and
     * the instances are putting theirs back, so "no holder" may mean "a holder not yet back".
     */
    default boolean rebuilding() {
        return false;
    }
}
