package io.agentgateway.chat;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** {@link ConversationHistory} kept in this instance's memory, at most {@code maxMessages} per session. */
public class InMemoryConversationHistory implements ConversationHistory {

    private final int maxMessages;
    private final Map<String, Deque<ChatMessage>> sessions = new ConcurrentHashMap<>();

    public InMemoryConversationHistory(int maxMessages) {
        this.maxMessages = maxMessages;
    }

    @Override
    public List<ChatMessage> get(String sessionId) {
        Deque<ChatMessage> messages = sessions.get(sessionId);
        if (messages == null) {
            return List.of();
        }
        synchronized (messages) {
            return List.copyOf(messages);
        }
    }

    @Override
    public boolean keeps() {
        return maxMessages > 0;
    }

    @Override
    public void append(String sessionId, ChatMessage user, ChatMessage assistant) {
        if (maxMessages == 0) {
            return;
        }
        Deque<ChatMessage> messages = sessions.computeIfAbsent(sessionId, k -> new ArrayDeque<>());
        synchronized (messages) {
            messages.addLast(user);
            messages.addLast(assistant);
            while (messages.size() > maxMessages) {
                messages.removeFirst();
            }
        }
    }

    @Override
    public void clear(String sessionId) {
        sessions.remove(sessionId);
    }
}
