package io.agentgateway.chat;

/** A running agent HTTP call that can be cut off. */
@FunctionalInterface
public interface AgentCall {

    /** Drops the connection to the agent at once; the agent sees it closed. Never blocks; callable from any thread. */
    void abort();
}
