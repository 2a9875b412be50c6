package io.agentgateway.judgement;

import java.time.Duration;
import java.util.List;

import io.agentgateway.common.ClientSocket;

/**
 * One {@code agent_judgement} request in flight: the socket that asked, the agents it asked, and how long they
 * have to send their final judgements.
 *
 * @param sessionId made by the gateway for this request; workers echo it in every reply
 */
public record Judgement(String sessionId, ClientSocket socket, List<String> agentIds, Duration timeout) {
}
