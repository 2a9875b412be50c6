package io.agentgateway.session;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import io.agentgateway.common.OutageLog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.data.redis.core.StringRedisTemplate;

/**
 * {@link InstanceRelay} over Redis PUBLISH to {@code <prefix>relay:<instance>}, in order per addressee.
 * <p>
 * Pub/sub keeps nothing: a message published while Redis is down, or while the addressee is not subscribed (it
 * resubscribes a moment after Redis comes back), is gone, and with it a token of an answer another instance
 * streams. So each addressee has its own queue, and a message that did not reach a subscriber is tried again, with
 * a growing pause, until {@code retryFor} after it was sent; then it is dropped and logged. The queues are per
 * addressee so that messages to an instance that died wait only behind each other, never in front of messages to a
 * live one. All of it runs on one thread ({@code publisher}), the only one that touches the queues.
 */
public class RedisInstanceRelay implements InstanceRelay {

    private static final Logger LOG = LoggerFactory.getLogger(RedisInstanceRelay.class);
    private static final long FIRST_PAUSE_MILLIS = 50;
    private static final long LONGEST_PAUSE_MILLIS = 500;

    private final StringRedisTemplate redis;
    private final String prefix;
    private final ScheduledExecutorService publisher;
    private final long retryForNanos;
    private final int maxQueued;
    /** messages accepted and not yet published or dropped, all addressees together */
    private final AtomicInteger queued = new AtomicInteger();
    /** publisher thread only */
    private final Map<String, Addressee> addressees = new HashMap<>();
    private final OutageLog queueFull;
    private final OutageLog delivery;

    /** A message to send, made on the publisher thread the first time it is tried (publisher thread only). */
    private static final class Message {
        private Supplier<String> make;
        private String json;
        final long dropAtNanos;

        Message(Supplier<String> make, long dropAtNanos) {
            this.make = make;
            this.dropAtNanos = dropAtNanos;
        }

        String json() {
            if (json == null) {
                json = make.get();
                make = null;
            }
            return json;
        }
    }

    /** One instance's messages, oldest first, and whether a try of the oldest is scheduled. */
    private static final class Addressee {
        final ArrayDeque<Message> messages = new ArrayDeque<>();
        boolean retryScheduled;
        long pauseMillis = FIRST_PAUSE_MILLIS;
    }

    /**
     * @param publisher a single-threaded executor: the order of sends to one instance is the order of publishes
     * @param retryFor  how long a message that reached no subscriber is tried again
     * @param maxQueued most messages waiting at once (for all instances); more are dropped and logged
     */
    public RedisInstanceRelay(StringRedisTemplate redis, String prefix, ScheduledExecutorService publisher,
                              Duration retryFor, int maxQueued) {
        this.redis = redis;
        this.prefix = prefix;
        this.publisher = publisher;
        this.retryForNanos = retryFor.toNanos();
        this.maxQueued = maxQueued;
        this.queueFull = new OutageLog(LOG, "Relay queue full (" + maxQueued + " messages)",
                "The relay queue takes messages again");
        this.delivery = new OutageLog(LOG, "Could not relay messages for " + retryFor.toSeconds() + " s",
                "Relayed messages reach their instances again");
    }

    public static String channel(String prefix, String instanceId) {
        return prefix + "relay:" + instanceId;
    }

    @Override
    public void send(String instanceId, String json) {
        send(instanceId, () -> json);
    }

    /** Made on the publisher thread, the one that sends it: not on the caller's, nor under the caller's lock. */
    @Override
    public void send(String instanceId, Supplier<String> json) {
        if (queued.incrementAndGet() > maxQueued) {
            queued.decrementAndGet();
            queueFull.failed("a message to instance " + instanceId + " is dropped");
            return;
        }
        queueFull.succeeded();
        Message message = new Message(json, System.nanoTime() + retryForNanos);
        try {
            publisher.execute(() -> {
                Addressee to = addressees.computeIfAbsent(instanceId, k -> new Addressee());
                to.messages.addLast(message);
                if (!to.retryScheduled) {
                    publishQueued(instanceId, to);
                }
            });
        } catch (RejectedExecutionException stopping) {
            queued.decrementAndGet();
        }
    }

    /** Publishes the addressee's messages in order until one reaches no subscriber: that one is tried again later. */
    private void publishQueued(String instanceId, Addressee to) {
        to.retryScheduled = false;
        while (!to.messages.isEmpty()) {
            Message next = to.messages.peekFirst();
            String json;
            try {
                json = next.json();
            } catch (RuntimeException e) {
                // left at the head, it would be made and fail again at every try, and hold up all behind it
                to.messages.pollFirst();
                queued.decrementAndGet();
                LOG.warn("A message to instance {} could not be made and is dropped", instanceId, e);
                continue;
            }
            String failure = publish(instanceId, json);
            if (failure == null) {
                delivery.succeeded();
                to.messages.pollFirst();
                queued.decrementAndGet();
                to.pauseMillis = FIRST_PAUSE_MILLIS;
                continue;
            }
            if (System.nanoTime() - next.dropAtNanos >= 0) {
                to.messages.pollFirst();
                queued.decrementAndGet();
                delivery.failed("instance " + instanceId + ", a message dropped: " + failure);
                continue; // the next one may have time left; it gets one try now
            }
            to.retryScheduled = true;
            long pause = to.pauseMillis;
            to.pauseMillis = Math.min(LONGEST_PAUSE_MILLIS, pause * 2);
            try {
                publisher.schedule(() -> publishQueued(instanceId, to), pause, TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException stopping) {
                to.retryScheduled = false;
            }
            return;
        }
        addressees.remove(instanceId);
    }

    /** Null when a subscriber got it; else why not. */
    private String publish(String instanceId, String json) {
        try {
            Long receivers = redis.convertAndSend(channel(prefix, instanceId), json);
            return receivers != null && receivers > 0 ? null : "no subscriber on its channel";
        } catch (RuntimeException e) {
            return e.getMessage();
        }
    }
}
