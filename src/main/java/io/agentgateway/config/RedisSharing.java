package io.agentgateway.config;

import java.time.Duration;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.agentgateway.auth.ConnectionLimits;
import io.agentgateway.auth.HandshakeGuard;
import io.agentgateway.auth.RedisConnectionLimits;
import io.agentgateway.chat.AnswerLimits;
import io.agentgateway.chat.ConversationHistory;
import io.agentgateway.chat.RedisAnswerLimits;
import io.agentgateway.chat.RedisConversationHistory;
import io.agentgateway.chat.RedisTurnLocks;
import io.agentgateway.chat.TurnLocks;
import io.agentgateway.common.Pools;
import io.agentgateway.common.RedisSlots;
import io.agentgateway.queue.JobListExpiry;
import io.agentgateway.session.InstanceRelay;
import io.agentgateway.session.RedisInstanceRelay;
import io.agentgateway.session.RedisSessionDirectory;
import io.agentgateway.session.RedisStreamStore;
import io.agentgateway.session.SessionDirectory;
import io.agentgateway.session.SessionStreams;
import io.agentgateway.session.StreamStore;
import io.vertx.core.Vertx;
import org.apache.camel.CamelContext;
import org.apache.camel.spi.ExecutorServiceManager;
import org.apache.camel.support.service.ServiceSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.core.RedisCallback;
import org.springframework.data.redis.core.StringRedisTemplate;

/**
 * With Redis (REDIS_HOST set): the client beans the spring-redis endpoints refer to, and the Redis side of every
 * state several instances share. Built only then, and the only class besides {@link RedisBeans} that names a Redis
 * type, so that without Redis none of the client's classes is loaded (see {@link InstanceSharing}).
 */
final class RedisSharing implements InstanceSharing {

    private static final Logger LOG = LoggerFactory.getLogger(RedisSharing.class);

    private final Vertx vertx;
    private final GatewaySettings settings;
    private final ObjectMapper mapper;
    private final StringRedisTemplate template;
    private final WatchedListenerContainer subscriptions;
    private final RedisSessionDirectory directory;
    private final InstanceRelay relay;
    private final StreamStore store;
    /** limits per application across instances (answers, connections): slots that expire with a dead instance */
    private final RedisSlots slots;

    private RedisSharing(CamelContext context, Vertx vertx, GatewaySettings settings, ObjectMapper mapper,
                         RedisBeans beans) {
        this.vertx = vertx;
        this.settings = settings;
        this.mapper = mapper;
        this.template = beans.template();
        this.subscriptions = beans.container();
        ExecutorServiceManager executors = context.getExecutorServiceManager();
        this.directory = new RedisSessionDirectory(template, settings.queuePrefix(), settings.instanceId(),
                settings.sessionTtl(), settings.instanceTtl());
        this.relay = new RedisInstanceRelay(template, settings.queuePrefix(),
                Pools.scheduled(executors, this, "relay-publisher", 1), settings.relayRetry(),
                settings.relayMaxQueued());
        this.store = new RedisStreamStore(template, settings.queuePrefix(),
                Math.max(256, Math.min(100_000, settings.sessionBufferBytes() / 64)), settings.sessionTtl(),
                Pools.scheduled(executors, this, "stream-store", 1), Duration.ofMillis(20));
        this.slots = new RedisSlots(vertx, template, settings.instanceTtl());
    }

    /**
     * Binds the client beans (redisTemplate, redisListenerContainer, ...), starts the subscriptions with the routes
     * and this instance's heartbeat.
     */
    static RedisSharing start(CamelContext context, Vertx vertx, GatewaySettings settings, GatewaySettings.Redis redis,
                              ObjectMapper mapper) throws Exception {
        RedisBeans beans = RedisBeans.create(redis);
        beans.container().watch(settings.replyChannel());
        beans.bind(context.getRegistry());
        Duration longestWait = settings.judgementTimeout().compareTo(settings.requestTimeout()) > 0
                ? settings.judgementTimeout() : settings.requestTimeout();
        context.getRegistry().bind("jobListExpiry", new JobListExpiry(longestWait, System::nanoTime));
        context.addService(beans.lifecycle());
        RedisSharing sharing = new RedisSharing(context, vertx, settings, mapper, beans);
        // Camel stops services in the reverse order of their adding: this one before the Redis client, so the frames
        // the batch writer still holds (such as the finals of answers cut off by the stop) go out while it can, and
        // then this instance leaves: its sessions are served elsewhere at once.
        context.addService(new ServiceSupport() {
            @Override
            protected void doStop() {
                try {
                    sharing.store.flush();
                    sharing.directory.leave();
                } catch (RuntimeException e) {
                    LOG.warn("Stopping: this instance's last frames or its leaving did not reach Redis: {}",
                            e.getMessage());
                }
            }
        });
        return sharing;
    }

    @Override
    public SessionDirectory directory() {
        return directory;
    }

    @Override
    public InstanceRelay relay() {
        return relay;
    }

    @Override
    public StreamStore store() {
        return store;
    }

    @Override
    public Predicate<String> alive() {
        return instance -> {
            try {
                return directory.mayBeAlive(instance);
            } catch (RuntimeException e) {
                return true; // Redis unreachable: no instance is declared dead on that ground
            }
        };
    }

    /** Shared by every instance instead of this one's. */
    @Override
    public ConversationHistory history(ConversationHistory local) {
        return new RedisConversationHistory(template, mapper, settings.queuePrefix(), settings.historyMaxMessages(),
                settings.sessionTtl());
    }

    /** Per application across every instance on this Redis, and this instance's as well. */
    @Override
    public AnswerLimits answerLimits(AnswerLimits local) {
        return new RedisAnswerLimits(slots, settings.queuePrefix(), settings.maxAnswersPerApp(), local,
                Pools.vertxWorker(vertx));
    }

    @Override
    public TurnLocks turnLocks() {
        // as long as a session lives: the lock of an instance that died is taken over once its heartbeat is gone,
        // and until then it says an answer was streaming there (see SocketLifecycle, carrying on from the store)
        return new RedisTurnLocks(vertx, template, settings.queuePrefix(), settings.instanceId(),
                settings.sessionTtl(), directory::alive);
    }

    @Override
    public ConnectionLimits connectionLimits(ConnectionLimits local) {
        return new RedisConnectionLimits(Pools.vertxWorker(vertx), slots, settings.queuePrefix(), local);
    }

    /**
     * The owner as Redis has it, so that every instance agrees on it; asked on a worker (blocking). The owner is also
     * kept with the session's stream here, and a session held here is only ever opened for that owner: while Redis
     * cannot be asked (a client resuming here mid-outage), and when Redis came back without its data (which would
     * otherwise give the session, frames and all, to whoever asks first). A session not held here cannot be decided
     * without Redis.
     */
    @Override
    public HandshakeGuard.SessionClaims claims(SessionStreams streams) {
        return new HandshakeGuard.SessionClaims() {
            @Override
            public boolean claim(String sessionId, String identity) {
                Optional<String> here = streams.owner(sessionId);
                if (here.isPresent() && !here.get().equals(identity)) {
                    return false;
                }
                boolean shared;
                try {
                    shared = directory.claimOwner(sessionId, identity);
                } catch (RuntimeException e) {
                    if (here.isPresent()) {
                        return true;
                    }
                    throw e;
                }
                return shared && streams.claim(sessionId, identity);
            }

            @Override
            public boolean blocking() {
                return true;
            }
        };
    }

    @Override
    public Optional<BooleanSupplier> redisUp() {
        return Optional.of(() -> {
            try {
                // and the replies' channel subscribed: until it is again, a worker's reply would be lost
                return "PONG".equals(template.execute((RedisCallback<String>) RedisConnection::ping))
                       && subscriptions.subscribed();
            } catch (RuntimeException e) {
                return false;
            }
        });
    }

    /**
     * Keeps this instance's heartbeat key alive, and its sessions' holder entries after Redis lost them; a missed
     * beat (Redis down) is retried at the next one, and a beat still waiting for Redis skips the next.
     */
    @Override
    public void startHeartbeat(Vertx vertx, SessionStreams streams) {
        Pools.everyOnWorker(vertx, directory.beatEvery().toMillis(), () -> {
            try {
                directory.heartbeat(streams::sessions, streams::owner);
            } catch (RuntimeException e) {
                LOG.debug("Heartbeat missed: {}", e.getMessage());
            }
        });
    }
}
