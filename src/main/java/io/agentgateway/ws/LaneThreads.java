package io.agentgateway.ws;

/**
 * The threads that run the sockets' lanes. A socket's OPEN and CLOSE run on their own pool: opening a session held by
 * another instance waits (bounded) for its stream, and that wait must not hold up other sockets' frames.
 *
 * @param ingress threads that validate and dispatch client frames (nothing blocks long there)
 * @param session threads that open and close sessions (GATEWAY__WS_SESSION_THREADS)
 */
public record LaneThreads(int ingress, int session) {
}
