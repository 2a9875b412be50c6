package io.agentgateway.config;

import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;

import io.agentgateway.auth.ConnectionLimits;
import io.agentgateway.auth.HandshakeGuard;
import io.agentgateway.chat.AnswerLimits;
import io.agentgateway.chat.ConversationHistory;
import io.agentgateway.chat.TurnLocks;
import io.agentgateway.session.InstanceRelay;
import io.agentgateway.session.SessionDirectory;
import io.agentgateway.session.SessionStreams;
import io.agentgateway.session.StreamStore;
import io.vertx.core.Vertx;

/**
 * What this instance shares with the other instances on the same Redis ({@link RedisSharing}), or, when it runs
 * alone, nothing ({@link #ALONE}). Each method gets what this instance keeps for itself and answers what the gateway
 * uses instead.
 * <p>
 * {@link GatewayConfiguration} sees only this interface, so that without Redis no Spring Data Redis, Jedis or
 * commons-pool class is loaded: the JVM loads a class named in a method, lambda or field of a class it verifies,
 * and the Redis client alone is about 800 classes of start-up time.
 */
interface InstanceSharing {

    /** One instance alone: everything stays in its memory. */
    InstanceSharing ALONE = new InstanceSharing() {
    };

    /** Who holds which chat session. */
    default SessionDirectory directory() {
        return SessionDirectory.LOCAL;
    }

    /** The way to the other instances. */
    default InstanceRelay relay() {
        return InstanceRelay.NONE;
    }

    /** Where sessions' frames are kept beyond this instance's memory. */
    default StreamStore store() {
        return StreamStore.NONE;
    }

    /** Whether the instance of this id is alive. */
    default Predicate<String> alive() {
        return instance -> true;
    }

    default ConversationHistory history(ConversationHistory local) {
        return local;
    }

    default AnswerLimits answerLimits(AnswerLimits local) {
        return local;
    }

    default TurnLocks turnLocks() {
        return TurnLocks.LOCAL;
    }

    default ConnectionLimits connectionLimits(ConnectionLimits local) {
        return local;
    }

    /** Who owns a chat session (the identity that opened it); this instance's streams know on one instance. */
    default HandshakeGuard.SessionClaims claims(SessionStreams streams) {
        return streams::claim;
    }

    /**
     * Starts telling the other instances this one is alive; when the shared state lost this instance's entries
     * (Redis back without its data), the heartbeat puts back the holder entries of the sessions in {@code streams}.
     */
    default void startHeartbeat(Vertx vertx, SessionStreams streams) {
    }

    /**
     * Whether the queue's Redis answers and this instance's reply channel is subscribed, for GET /health; empty
     * without Redis.
     */
    default Optional<BooleanSupplier> redisUp() {
        return Optional.empty();
    }
}
