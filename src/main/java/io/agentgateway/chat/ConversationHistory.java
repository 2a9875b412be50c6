package io.agentgateway.chat;

import java.util.List;

/** Earlier turns of each session, bounded, so that a stateless agent sees the conversation. */
public interface ConversationHistory {

    /** The session's earlier messages, oldest first. */
    List<ChatMessage> get(String sessionId);

    /** Records a finished turn. */
    void append(String sessionId, ChatMessage user, ChatMessage assistant);

    void clear(String sessionId);
}
