package io.agentgateway.chat;

import java.util.List;

/** Earlier turns of each session, bounded, so that a stateless agent sees the conversation. */
public interface ConversationHistory {

    /** The session's earlier messages, oldest first. */
    List<ChatMessage> get(String sessionId);

    /** Records a finished turn; blocking when {@link #blocking()}. */
    void append(String sessionId, ChatMessage user, ChatMessage assistant);

    /** Whether {@link #append} waits on the network (then it never runs on an event loop). */
    default boolean blocking() {
        return false;
    }

    /** Whether {@link #append} keeps anything (not with GATEWAY__HISTORY_MAX_MESSAGES=0); if not, turns skip the text. */
    boolean keeps();

    void clear(String sessionId);
}
