package io.agentgateway.config;

import java.util.Collection;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

import org.springframework.data.redis.connection.Message;
import org.springframework.data.redis.connection.MessageListener;
import org.springframework.data.redis.connection.SubscriptionListener;
import org.springframework.data.redis.listener.ChannelTopic;
import org.springframework.data.redis.listener.RedisMessageListenerContainer;
import org.springframework.data.redis.listener.Topic;
import org.springframework.util.backoff.BackOffExecution;

/**
 * Spring's subscription container, which also tells whether a watched channel is subscribed now. Redis hands a
 * PUBLISH only to who is subscribed at that moment, so a worker's reply published while this instance resubscribes
 * (Redis just came back, for a second or more) is lost, and its client would wait for the timeout. Spring's own
 * {@code isListening()} does not tell: it stays true until the first retry after the connection failed.
 */
public final class WatchedListenerContainer extends RedisMessageListenerContainer {

    private final Map<MessageListener, Watching> watching = new ConcurrentHashMap<>();
    private volatile Topic watched;
    private volatile boolean subscribed;

    /**
     * Watches {@code channel}: subscribed from Redis's confirmation until the subscription's connection fails. The
     * listener that subscribes to it (the route's consumer) is wrapped, so the subscription is attempted, and fails
     * while Redis is down, exactly as without the watch.
     */
    void watch(String channel) {
        watched = new ChannelTopic(channel);
    }

    boolean subscribed() {
        return subscribed;
    }

    /** A step before a job is queued (routes/queue-redis.yaml): fails while its reply could not be received. */
    public void requireSubscribed() {
        if (!subscribed) {
            throw new IllegalStateException("this instance is not subscribed to its reply channel (Redis reconnecting),"
                                            + " try again");
        }
    }

    @Override
    public void addMessageListener(MessageListener listener, Collection<? extends Topic> topics) {
        super.addMessageListener(topics.contains(watched) ? watching.computeIfAbsent(listener, Watching::new) : listener,
                topics);
    }

    @Override
    public void removeMessageListener(MessageListener listener, Collection<? extends Topic> topics) {
        MessageListener wrapped = topics.contains(watched) ? watching.remove(listener) : null;
        super.removeMessageListener(wrapped != null ? wrapped : listener, topics);
    }

    @Override
    protected void handleSubscriptionException(CompletableFuture<Void> future, BackOffExecution backOff, Throwable ex) {
        subscribed = false;
        super.handleSubscriptionException(future, backOff, ex);
    }

    /** The listener on the watched channel, which also hears when the channel is (un)subscribed. */
    private final class Watching implements MessageListener, SubscriptionListener {
        private final MessageListener delegate;

        Watching(MessageListener delegate) {
            this.delegate = delegate;
        }

        @Override
        public void onMessage(Message message, byte[] pattern) {
            delegate.onMessage(message, pattern);
        }

        @Override
        public void onChannelSubscribed(byte[] channel, long count) {
            subscribed = true;
        }

        @Override
        public void onChannelUnsubscribed(byte[] channel, long count) {
            subscribed = false;
        }
    }
}
