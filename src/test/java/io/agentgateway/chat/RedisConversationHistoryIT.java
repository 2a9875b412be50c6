package io.agentgateway.chat;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.agentgateway.testing.RedisServerExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;

/** The shared history on a real redis-server: each turn's pair appended, the last N kept, the TTL always set. */
class RedisConversationHistoryIT {

    @RegisterExtension
    final RedisServerExtension redisServer = new RedisServerExtension();

    private RedisConversationHistory history(int maxMessages, Duration ttl) {
        return new RedisConversationHistory(redisServer.template(), new ObjectMapper(), "t:", maxMessages, ttl);
    }

    private static ChatMessage user(int i) {
        return new ChatMessage("user", "question " + i);
    }

    private static ChatMessage assistant(int i) {
        return new ChatMessage("assistant", "answer " + i);
    }

    @Test
    void eachTurnIsAppendedTheLastMessagesKeptAndTheListExpiresWithTheSession() {
        RedisConversationHistory history = history(4, Duration.ofMinutes(5));
        for (int i = 1; i <= 3; i++) {
            history.append("s", user(i), assistant(i));
        }
        assertThat(history.get("s")).containsExactly(user(2), assistant(2), user(3), assistant(3));
        assertThat(redisServer.template().getExpire("t:{s}:history", TimeUnit.MILLISECONDS)).as("the history's TTL")
                .isBetween(Duration.ofMinutes(4).toMillis(), Duration.ofMinutes(5).toMillis());
        assertThat(history.get("other")).isEmpty();
    }

    @Test
    void aHistoryOfOddLengthKeepsTheLatestMessages() {
        RedisConversationHistory history = history(3, Duration.ofSeconds(30));
        history.append("s", user(1), assistant(1));
        history.append("s", user(2), assistant(2));
        assertThat(history.get("s")).containsExactly(assistant(1), user(2), assistant(2));
    }

    @Test
    void aLimitOfZeroKeepsNothingAndSaysSo() {
        RedisConversationHistory off = history(0, Duration.ofSeconds(30));
        assertThat(off.keeps()).isFalse();
        off.append("s", user(1), assistant(1));
        assertThat(redisServer.template().hasKey("t:{s}:history")).isFalse();
        assertThat(history(1, Duration.ofSeconds(30)).keeps()).isTrue();
    }

    @Test
    void withoutRedisTheTurnGoesAheadWithoutHistory() throws Exception {
        RedisConversationHistory history = history(4, Duration.ofSeconds(30));
        redisServer.server().stop();
        history.append("s", user(1), assistant(1)); // logged, not thrown
        assertThat(history.get("s")).isEmpty();
    }
}
