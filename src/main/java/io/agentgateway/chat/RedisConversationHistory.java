package io.agentgateway.chat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.agentgateway.common.OutageLog;
import io.agentgateway.session.RedisSessionDirectory;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.core.script.DefaultRedisScript;

/**
 * {@link ConversationHistory} in Redis, shared by every instance: the list {@code <prefix>{<session>}:history} of
 * JSON messages, trimmed to the last {@code maxMessages}, expiring with the session.
 */
public class RedisConversationHistory implements ConversationHistory {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(RedisConversationHistory.class);

    /**
     * Appends the turn's two messages (ARGV[3], ARGV[4]) to KEYS[1], keeps the last ARGV[1] and sets the TTL to
     * ARGV[2] ms, in one atomic step and one round trip: an instance dying between the push and the TTL cannot leave
     * a history that never expires.
     */
    private static final DefaultRedisScript<Long> APPEND = new DefaultRedisScript<>(
            "redis.call('RPUSH', KEYS[1], ARGV[3], ARGV[4]) "
            + "redis.call('LTRIM', KEYS[1], -tonumber(ARGV[1]), -1) "
            + "return redis.call('PEXPIRE', KEYS[1], ARGV[2])", Long.class);

    private final StringRedisTemplate redis;
    private final ObjectMapper mapper;
    private final String prefix;
    private final int maxMessages;
    private final Duration ttl;
    private final OutageLog readOutage = new OutageLog(LOG, "History unavailable, the turn goes ahead without it",
            "History is read again");
    private final OutageLog writeOutage = new OutageLog(LOG, "History not saved", "History is saved again");

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

    /** Without Redis the turn goes ahead without history, rather than failing. */
    @Override
    public List<ChatMessage> get(String sessionId) {
        List<String> raw;
        try {
            raw = redis.opsForList().range(key(sessionId), 0, -1);
            readOutage.succeeded();
        } catch (RuntimeException e) {
            readOutage.failed("session " + sessionId + ": " + e.getMessage());
            return List.of();
        }
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
    public boolean blocking() {
        return true;
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
        try {
            redis.execute(APPEND, List.of(key(sessionId)), Integer.toString(maxMessages),
                    Long.toString(ttl.toMillis()), mapper.writeValueAsString(user),
                    mapper.writeValueAsString(assistant));
            writeOutage.succeeded();
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write a chat message", e);
        } catch (RuntimeException e) {
            writeOutage.failed("session " + sessionId + ": " + e.getMessage());
        }
    }

    /**
     * Nothing: the list expires with the session. One instance forgetting its copy of a session (its local TTL) does
     * not end the session on the others.
     */
    @Override
    public void clear(String sessionId) {
    }
}
