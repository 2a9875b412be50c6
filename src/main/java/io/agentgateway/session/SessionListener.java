package io.agentgateway.session;

import io.agentgateway.common.ClientSocket;

/**
 * Told when a socket stops holding its session, so that what was tied to that socket (a streaming answer, pending
 * tool calls) ends with it. Features implement it; the session package knows none of them.
 */
@FunctionalInterface
public interface SessionListener {

    /**
     * @param socket       the socket that closed, or that a newer connection took the session from
     * @param sessionEnded true when no socket holds the session any more (closed, not taken over)
     */
    void socketReleased(ClientSocket socket, boolean sessionEnded);

    /** A socket holds the session here now (opened, or resumed, with its stream here). */
    default void socketHolds(ClientSocket socket) {
    }

    /** The session was forgotten: nobody held it for its TTL. */
    default void sessionExpired(String sessionId) {
    }
}
