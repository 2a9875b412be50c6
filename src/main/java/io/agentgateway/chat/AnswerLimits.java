package io.agentgateway.chat;

import java.util.Optional;

/**
 * Counts the answers streaming at once per application (the connection's identity: the seed {@code appid} or the
 * JWT {@code sub}), so that {@link TurnControl#begin} can refuse a {@code user_message} over
 * {@code GATEWAY__MAX_ANSWERS_PER_APP}.
 * <p>
 * {@link InMemoryAnswerLimits} counts this instance only. A shared implementation (Redis: an INCR/DECR counter per
 * identity with a TTL as a safety net for a crashed instance) would make the limit hold across instances; it is not
 * built yet. {@link #tryAcquire} runs on a socket's ingress lane, not on an event loop, but it runs once per
 * {@code user_message}, so an implementation should still answer quickly.
 */
public interface AnswerLimits {

    /** A counted answer. {@link #release} gives its slot back; calling it again does nothing. */
    interface Slot {
        void release();
    }

    /** The slot of an answer that has no identity to count against (auth off). */
    Slot UNCOUNTED = () -> { };

    /**
     * Takes a slot for a new answer of {@code identity}, or returns empty when the identity already has
     * {@link #maxPerIdentity()} answers streaming.
     *
     * @param identity empty when auth is off: such answers are not limited per application (only
     *                 {@code GATEWAY__AGENT_MAX_STREAMS} applies) and get {@link #UNCOUNTED}
     */
    Optional<Slot> tryAcquire(Optional<String> identity);

    /** Answers streaming for one identity. */
    int active(String identity);

    int maxPerIdentity();
}
