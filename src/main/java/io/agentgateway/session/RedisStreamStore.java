package io.agentgateway.session;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.agentgateway.common.OutageLog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.data.redis.core.RedisCallback;
import org.springframework.data.redis.core.StringRedisTemplate;

/**
 * {@link StreamStore} in Redis: {@code <prefix>{<session>}:frames}, a list of the session's frames (their JSON text,
 * which carries their seq), the last {@code maxFrames} kept, expiring with the session. Appends are queued and written
 * every {@code flushEvery} in one transaction by one thread, so the token path never waits on Redis.
 */
public class RedisStreamStore implements StreamStore {

    private static final Logger LOG = LoggerFactory.getLogger(RedisStreamStore.class);
    private static final Pattern SEQ = Pattern.compile("\"seq\":(\\d+)\\}\\s*$");

    /** A frame to save, in the UTF-8 it was kept as: written as it is (the template's strings are UTF-8 too). */
    private record Appended(String sessionId, byte[] utf8) {
    }

    private final StringRedisTemplate redis;
    private final String prefix;
    private final int maxFrames;
    private final Duration ttl;
    private final ConcurrentLinkedQueue<Appended> queue = new ConcurrentLinkedQueue<>();
    private final OutageLog outage = new OutageLog(LOG,
            "Could not save session frames to Redis (they stay in memory here)", "Saving session frames to Redis again");

    public RedisStreamStore(StringRedisTemplate redis, String prefix, int maxFrames, Duration ttl,
                            ScheduledExecutorService writer, Duration flushEvery) {
        this.redis = redis;
        this.prefix = prefix;
        this.maxFrames = maxFrames;
        this.ttl = ttl;
        writer.scheduleWithFixedDelay(this::flushQuietly, flushEvery.toMillis(), flushEvery.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    private String key(String sessionId) {
        return RedisSessionDirectory.sessionKey(prefix, sessionId, "frames");
    }

    @Override
    public void appended(String sessionId, long seq, byte[] utf8) {
        queue.add(new Appended(sessionId, utf8));
    }

    private void flushQuietly() {
        try {
            if (writeQueued()) {
                outage.succeeded();
            }
        } catch (RuntimeException e) {
            outage.failed(e.getMessage());
        }
    }

    @Override
    public void flush() {
        writeQueued();
    }

    /** Writes what is queued; false when nothing was. */
    private synchronized boolean writeQueued() {
        Map<String, List<byte[]>> bySession = new LinkedHashMap<>();
        for (Appended a; (a = queue.poll()) != null; ) {
            bySession.computeIfAbsent(a.sessionId(), k -> new ArrayList<>()).add(a.utf8());
        }
        if (bySession.isEmpty()) {
            return false;
        }
        // one transaction (Jedis writes its commands without waiting for each reply: one round trip, as the pipeline
        // was): nobody sees a list between its push and its TTL, and an instance dying mid-batch leaves none without
        redis.execute((RedisCallback<List<Object>>) connection -> {
            connection.multi();
            for (Map.Entry<String, List<byte[]>> e : bySession.entrySet()) {
                byte[] key = key(e.getKey()).getBytes(StandardCharsets.UTF_8);
                connection.listCommands().rPush(key, e.getValue().toArray(new byte[0][]));
                connection.listCommands().lTrim(key, -maxFrames, -1);
                connection.keyCommands().pExpire(key, ttl.toMillis());
            }
            return connection.exec();
        });
        return true;
    }

    @Override
    public Optional<SessionStreams.Snapshot> load(String sessionId) {
        List<String> texts = redis.opsForList().range(key(sessionId), 0, -1);
        if (texts == null || texts.isEmpty()) {
            return Optional.empty();
        }
        Matcher m = SEQ.matcher(texts.get(texts.size() - 1));
        if (!m.find()) {
            return Optional.empty();
        }
        return Optional.of(new SessionStreams.Snapshot(Long.parseLong(m.group(1)) + 1, texts, null));
    }
}
