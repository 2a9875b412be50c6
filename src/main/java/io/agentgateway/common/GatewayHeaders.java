package io.agentgateway.common;

import org.apache.camel.component.vertx.websocket.VertxWebsocketConstants;

/**
 * Names of the message headers and exchange properties that the gateway's routes share, Java and YAML alike.
 * Change a name here and in routes/*.yaml together.
 */
public final class GatewayHeaders {

    /** Header: the session the frame belongs to (the {@code {session_id}} path parameter). */
    public static final String SESSION_ID = "session_id";

    /** Header: the WebSocket connection's key, unique per socket (set by the vertx-websocket consumer). */
    public static final String CONNECTION_KEY = VertxWebsocketConstants.CONNECTION_KEY;

    /** Header: OPEN, MESSAGE or CLOSE, from the vertx-websocket consumer. */
    public static final String WS_EVENT = VertxWebsocketConstants.EVENT;

    /**
     * Header on every event of a WebSocket (OPEN, MESSAGE, CLOSE): who the client authenticated as, the JWT
     * {@code sub} or the seed scheme's {@code appid}; absent when auth is off. Only the handshake guard sets it (as
     * RoutingContext data under the same name) and the WebSocket consumer copies it; a client's own query parameter
     * or header of this name is dropped.
     */
    public static final String IDENTITY = "GatewayIdentity";

    /** Header: the {@code type} of a validated client frame, used by the dispatch route's content-based router. */
    public static final String MESSAGE_TYPE = "GatewayMessageType";

    /** Exchange property: the parsed client frame ({@link ClientFrame}). */
    public static final String FRAME = "GatewayFrame";

    /**
     * Exchange property: the {@link ClientSocket} a WebSocket event came from. The WebSocket consumer sets it on
     * every OPEN, MESSAGE and CLOSE exchange, so no route has to look a socket up by its connection key.
     */
    public static final String SOCKET = "GatewaySocket";

    /** Header: the agent a queued job is for (the enqueue routes put it in the Redis key). */
    public static final String AGENT_ID = "GatewayAgentId";

    /** Header: the channel a worker's replies go to (the publish routes use it). */
    public static final String REPLY_TO = "GatewayReplyTo";

    /** Header: the {@code type} of a worker's reply, used by the queue-reply route's content-based router. */
    public static final String REPLY_TYPE = "GatewayReplyType";

    /** Exchange property: a worker's reply, parsed (a Jackson {@code JsonNode} object). */
    public static final String REPLY = "GatewayReply";

    /** Header: the {@code kind} of a message from another gateway instance (route session-relay). */
    public static final String RELAY_KIND = "GatewayRelayKind";

    /** Exchange property: a message from another gateway instance, parsed (a Jackson {@code JsonNode} object). */
    public static final String RELAY = "GatewayRelay";

    /** Exchange property: the other instance a tool call goes to, because it holds the session's socket. */
    public static final String REMOTE_HOLDER = "GatewayRemoteHolder";

    /** Header set by ws-reply: true when the frame was handed to an open socket of the session. */
    public static final String DELIVERED = "GatewayDelivered";

    /** Exchange property: the session id of the judgement request being queued. */
    public static final String JUDGEMENT = "GatewayJudgement";

    /** Exchange property: the tool call a REST request is making ({@code tool.PendingToolCall}). */
    public static final String TOOL_CALL = "GatewayToolCall";

    /** Exchange property: the chat turn being streamed ({@code chat.Turn}). */
    public static final String TURN = "GatewayTurn";

    /**
     * Prefix of the exchange properties that hold a route's timer sample while the exchange is in that route (the route
     * metrics, {@code metrics/LeanRoutePolicyFactory}): state of those routes, which an answer's end exchange
     * ({@code agent-stream}'s {@code streamEnd}) does not take over from the call's exchange.
     */
    public static final String ROUTE_TIMER_PREFIX = "GatewayRouteTimer-";

    /**
     * Exchange property: on the exchange that {@code agent-stream} sends to its {@code streamEnd} endpoint, the failure
     * that ended the stream after the answer began (absent when it ended normally).
     */
    public static final String AGENT_STREAM_FAILURE = "GatewayAgentStreamFailure";

    /**
     * Exchange property: true on an {@code agent-stream} call's exchange that completed as the answer began (its
     * {@code streamEnd} option): the answer goes on, and its end comes to that endpoint, not to the rest of this route.
     */
    public static final String AGENT_STREAM_GOES_ON = "GatewayAgentStreamGoesOn";

    private GatewayHeaders() {
    }
}
