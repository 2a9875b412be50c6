package io.agentgateway.chat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.agentgateway.session.RedisSessionDirectory;
import org.springframework.data.redis.core.StringRedisTemplate;

/**
 * {@link ConversationHistory} in Redis, shared by every instance: the list {@code <prefix>{<session>}:history} of
 * JSON messages, trimmed to the last {@code maxMessages}, expiring with the session.
 */
public class RedisConversationHistory implements ConversationHistory {

    private final StringRedisTemplate redis;
    private final ObjectMapper mapper;
    private final String prefix;
    private final int maxMessages;
    private final Duration ttl;

    public RedisConversationHistory(StringRedisTemplate redis, ObjectMapper mapper, String prefix, int maxMessages,
                                    Duration ttl) {
        this.redis = redis;
        this.mapper = mapper;
        this.prefix = prefix;
        this.maxMessages = maxMessages;
        this.ttl = ttl;
    }

    private String key(String sessionId) {
        return RedisSessionDirectory.sessionKey(prefix, sessionId, "history");
    }

    @Override
    public List<ChatMessage> get(String sessionId) {
        List<String> raw = redis.opsForList().range(key(sessionId), 0, -1);
        List<ChatMessage> messages = new ArrayList<>();
        if (raw != null) {
            for (String r : raw) {
                try {
                    messages.add(mapper.readValue(r, ChatMessage.class));
                } catch (JsonProcessingException e) {
                    // not ours: skipped rather than failing the turn
                }
            }
        }
        return messages;
    }

    @Override
    public void append(String sessionId, ChatMessage user, ChatMessage assistant) {
        if (maxMessages == 0) {
            return;
        }
        try {
            redis.opsForList().rightPushAll(key(sessionId), mapper.writeValueAsString(user),
                    mapper.writeValueAsString(assistant));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write a chat message", e);
        }
        redis.opsForList().trim(key(sessionId), -maxMessages, -1);
        redis.expire(key(sessionId), ttl);
    }

    /**
     * Nothing: the list expires with the session. One instance forgetting its copy of a session (its local TTL) does
     * not end the session on the others.
     */
    @Override
    public void clear(String sessionId) {
    }
}
