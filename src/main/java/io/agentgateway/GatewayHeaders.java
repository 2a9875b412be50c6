package io.agentgateway;

import org.apache.camel.component.vertx.websocket.VertxWebsocketConstants;

/**
 * Names of the message headers and exchange properties that the gateway's routes share. Routes and YAML files
 * refer to these names; change one here and in the YAML routes together.
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

    /** Exchange property: the parsed client frame ({@link io.agentgateway.protocol.ClientFrame}). */
    public static final String FRAME = "GatewayFrame";

    /** Header: the agent a queued job is for (the enqueue routes put it in the Redis key). */
    public static final String AGENT_ID = "GatewayAgentId";

    /** Header: the channel a worker's replies go to (the publish routes use it). */
    public static final String REPLY_TO = "GatewayReplyTo";

    /** Exchange property: the {@link io.agentgateway.session.ClientSocket} a frame came from. */
    public static final String SOCKET = "GatewaySocket";

    /** Exchange property: the session id of the judgement request being queued. */
    public static final String JUDGEMENT = "GatewayJudgement";

    /** Exchange property: the tool call a REST request is making ({@link io.agentgateway.tool.PendingToolCall}). */
    public static final String TOOL_CALL = "GatewayToolCall";

    /** Exchange property: the chat turn being streamed ({@link io.agentgateway.stream.Turn}). */
    public static final String TURN = "GatewayTurn";

    private GatewayHeaders() {
    }
}
