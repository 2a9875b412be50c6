package io.agentgateway.ws;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.agentgateway.common.ClientSocket;
import io.agentgateway.common.GatewayHeaders;
import io.agentgateway.common.GatewayMetrics;
import io.agentgateway.common.Pools;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.Processor;
import org.apache.camel.component.vertx.websocket.VertxWebsocketConstants;
import org.apache.camel.component.vertx.websocket.VertxWebsocketConsumer;
import org.apache.camel.component.vertx.websocket.VertxWebsocketEndpoint;
import org.apache.camel.component.vertx.websocket.VertxWebsocketEvent;
import org.apache.camel.component.vertx.websocket.VertxWebsocketHelper;
import org.apache.camel.util.CaseInsensitiveMap;
import io.vertx.core.http.HttpClosedException;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.net.SocketAddress;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The stock consumer hands every event to the Vert.x worker pool unordered, so frames of one socket (and even
 * its OPEN and CLOSE) can overtake each other. This one puts each connection's events on its own
 * {@link SerialLane}: in order per socket, concurrent across sockets, and never on an event loop. A frame's route
 * holds the lane only until it completes or goes asynchronous.
 * <p>
 * Every event's exchange carries the connection's {@link ClientSocket} (property {@link GatewayHeaders#SOCKET}).
 * It also answers a message over the size limit (which Vert.x drops, telling only the exception handler)
 * with an error frame, and pauses a socket whose lane is backed up so a flooding client cannot queue without
 * bound.
 * <p>
 * <b>Frame rate.</b> Each message (text or binary) is checked against the socket's {@link FrameRateLimit} on the
 * event loop, before an exchange is made: O(1), no lock, nothing blocks. A message over the rate is not processed
 * and gets {@code {"error": ...}} at once, written from the event loop; so it may reach the client before the
 * answers to messages it sent earlier, which are still on the lane. The refusal is dropped, not queued, when the
 * socket's write queue is full ({@code writeQueueFull()}): a flooder that does not read cannot make the gateway
 * buffer refusals for it. A socket that keeps going over the rate for the flood window is closed with 1008.
 * Refused messages never reach the lane, so the ingress threads that serve other sockets do no work for them.
 */
public class OrderedWebsocketConsumer extends VertxWebsocketConsumer {

    private static final Logger LOG = LoggerFactory.getLogger(OrderedWebsocketConsumer.class);
    private static final int PAUSE_AT = 256;
    /** the query parameter that carries the handshake's token (seed token or JWT) */
    private static final String CREDENTIAL = "token";
    private static final int RESUME_AT = 32;
    /** how long a lane thread beyond the cores' number, without work, is kept for the next burst */
    private static final Duration IDLE_THREAD_KEPT = Duration.ofSeconds(60);

    private final Map<String, Connection> connections = new ConcurrentHashMap<>();
    private final int maxMessageBytes;
    private final LaneThreads threads;
    private final GatewayMetrics metrics;
    private final FrameRate frameRate;
    private final String rateRefusal;
    private ExecutorService pool;
    /** runs OPEN and CLOSE, which may wait for a session's stream from another instance */
    private ExecutorService sessionPool;

    /**
     * @param client the socket as the routes see it; null for events of a connection that fired no OPEN
     * @param kind   which protocol the socket speaks, for the connection gauge; null without OPEN
     * @param rate   the socket's frame rate, used on its event loop only; null for a connection that fired no OPEN
     */
    /**
     * @param handshake the headers every event's exchange gets from the handshake (its query and path parameters,
     *                  and the guard's identity), kept instead of the handshake itself
     */
    private record Connection(SerialLane lane, ServerWebSocket socket, ClientSocket client,
                              GatewayMetrics.Socket kind, FrameRateLimit rate, Map<String, Object> handshake) {
    }

    public OrderedWebsocketConsumer(VertxWebsocketEndpoint endpoint, Processor processor, int maxMessageBytes,
                                    LaneThreads threads, GatewayMetrics metrics, FrameRate frameRate) {
        super(endpoint, processor);
        this.maxMessageBytes = maxMessageBytes;
        this.threads = threads;
        this.metrics = metrics;
        this.frameRate = frameRate;
        this.rateRefusal = JsonNodeFactory.instance.objectNode().put("error", frameRate.refusal()).toString();
    }

    @Override
    protected void doStart() throws Exception {
        pool = lanePool("ws-ingress", threads.ingress());
        sessionPool = lanePool("ws-session", threads.session());
        super.doStart();
    }

    /**
     * A lane has at most one task in a pool at a time, so the queue is bounded by the sockets. As many threads as
     * the cores are kept ready; more start only while those are all busy (waiting on Redis), so a wave of sockets
     * that wait for nothing costs no threads.
     */
    private ExecutorService lanePool(String name, int threads) {
        return Pools.onDemand(getEndpoint().getCamelContext().getExecutorServiceManager(), name,
                Runtime.getRuntime().availableProcessors(), threads, IDLE_THREAD_KEPT);
    }

    @Override
    protected void doStop() throws Exception {
        super.doStop();
        if (pool != null) {
            getEndpoint().getCamelContext().getExecutorServiceManager().shutdown(pool);
            getEndpoint().getCamelContext().getExecutorServiceManager().shutdown(sessionPool);
            pool = null;
            sessionPool = null;
        }
        connections.clear();
    }

    /**
     * On the event loop, once the socket is upgraded (before {@link #onOpen}): what its events need from the
     * handshake is kept here, so that the host's handlers need not keep the handshake's {@code RoutingContext}.
     */
    void accepted(String connectionKey, RoutingContext routingContext) {
        connections.put(connectionKey, new Connection(new SerialLane(pool), null, null, null, null,
                handshakeHeaders(routingContext)));
    }

    /** The host's word that the socket is gone, after its CLOSE event if any. */
    void forget(String connectionKey) {
        connections.remove(connectionKey);
    }

    @Override
    public void onOpen(String connectionKey, SocketAddress remote, RoutingContext routingContext, ServerWebSocket webSocket) {
        // /ws/{session_id} names its session; /ws has none, and each connection stands for itself
        String sessionId = routingContext.pathParam(GatewayHeaders.SESSION_ID);
        ClientSocket client = new VertxClientSocket(webSocket, connectionKey,
                sessionId != null ? sessionId : connectionKey, metrics);
        GatewayMetrics.Socket kind = sessionId != null ? GatewayMetrics.Socket.CHAT : GatewayMetrics.Socket.JUDGEMENT;
        Connection accepted = connections.get(connectionKey);
        connections.put(connectionKey, new Connection(accepted != null ? accepted.lane() : new SerialLane(pool),
                webSocket, client, kind, frameRate.start(System.nanoTime()),
                accepted != null ? accepted.handshake() : handshakeHeaders(routingContext)));
        metrics.socketOpened(kind);
        super.onOpen(connectionKey, remote, routingContext, webSocket);
    }

    /**
     * The handshake's query and path parameters, as the stock consumer makes them headers, but for the credential
     * ({@code ?token=}): the guard has checked it, and exchanges need not carry it (nor each socket keep it; a JWT
     * is hundreds of bytes). Query parameters became headers, so a client could name itself: only the handshake
     * guard's identity counts (headers are case-insensitive, so every spelling goes).
     */
    private static Map<String, Object> handshakeHeaders(RoutingContext routingContext) {
        Map<String, Object> headers = new CaseInsensitiveMap();
        routingContext.queryParams().forEach((name, value) -> VertxWebsocketHelper.appendHeader(headers, name, value));
        routingContext.pathParams().forEach((name, value) -> VertxWebsocketHelper.appendHeader(headers, name, value));
        headers.remove(GatewayHeaders.IDENTITY);
        headers.remove(CREDENTIAL);
        String identity = routingContext.get(GatewayHeaders.IDENTITY);
        if (identity != null) {
            headers.put(GatewayHeaders.IDENTITY, identity);
        }
        Map<String, Object> kept = new HashMap<>();
        headers.forEach((name, value) -> {
            if (value != null) {
                kept.put(name, value instanceof List<?> values ? List.copyOf(values) : value);
            }
        });
        return Map.copyOf(kept);
    }

    /** On the socket's event loop: the frame rate is checked before the message becomes an exchange. */
    @Override
    public void onMessage(String connectionKey, Object message, SocketAddress remote, RoutingContext routingContext) {
        Connection c = connections.get(connectionKey);
        if (c != null && c.rate() != null) {
            switch (c.rate().onFrame(System.nanoTime())) {
                case ACCEPT -> { }
                case REFUSE -> {
                    refuseOverRate(c.socket());
                    return;
                }
                case CLOSE -> {
                    LOG.debug("WebSocket {} closed with 1008: over {} frames per second for {}", connectionKey,
                            frameRate.perSecond(), frameRate.floodWindow());
                    c.socket().close(FrameRate.POLICY_VIOLATION, frameRate.closeReason());
                    return;
                }
                case DROP -> {
                    return;
                }
            }
        }
        super.onMessage(connectionKey, message, remote, routingContext);
    }

    /** Tells the client, unless its write queue is full: then the refusal is dropped rather than buffered. */
    private void refuseOverRate(ServerWebSocket socket) {
        try {
            if (!socket.isClosed() && !socket.writeQueueFull()) {
                socket.writeTextMessage(rateRefusal);
            }
        } catch (IllegalStateException closedMeanwhile) {
            // nothing to tell a closed socket
        }
    }

    @Override
    public void onException(String connectionKey, Throwable cause, SocketAddress remote, RoutingContext routingContext) {
        if (cause instanceof HttpClosedException) {
            return; // a client that drops TCP without a close frame: the close handler does the clean-up
        }
        if (ProtocolStrictness.isProtocolViolation(cause)) {
            // already answered with a close frame (ProtocolStrictness); the close handler does the clean-up
            LOG.debug("WebSocket {} closed for a protocol violation: {}", connectionKey, cause.getMessage());
            return;
        }
        Connection c = connections.get(connectionKey);
        if (c != null && cause instanceof IllegalStateException && String.valueOf(cause.getMessage())
                .contains("overflow max message size")) {
            c.socket().writeTextMessage(JsonNodeFactory.instance.objectNode()
                    .put("error", "Message too large: the limit is " + maxMessageBytes + " bytes").toString());
            return;
        }
        super.onException(connectionKey, cause, remote, routingContext);
    }

    /** The stock headers, with the handshake's as kept at the upgrade: {@code routingContext} is null after it. */
    @Override
    protected void populateExchangeHeaders(Exchange exchange, String connectionKey, SocketAddress remote,
                                           RoutingContext routingContext, VertxWebsocketEvent event) {
        Message message = exchange.getMessage();
        message.setHeader(VertxWebsocketConstants.REMOTE_ADDRESS, remote);
        message.setHeader(VertxWebsocketConstants.CONNECTION_KEY, connectionKey);
        message.setHeader(VertxWebsocketConstants.EVENT, event);
        Connection c = connections.get(connectionKey);
        Map<String, Object> handshake = c != null ? c.handshake()
                : routingContext != null ? handshakeHeaders(routingContext) : Map.of();
        message.getHeaders().putAll(handshake);
    }

    @Override
    protected void processExchange(Exchange exchange, RoutingContext routingContext) {
        String key = exchange.getMessage().getHeader(VertxWebsocketConstants.CONNECTION_KEY, String.class);
        VertxWebsocketEvent event = exchange.getMessage().getHeader(VertxWebsocketConstants.EVENT, VertxWebsocketEvent.class);
        ExecutorService sessions = sessionPool;
        if (pool == null || sessions == null) {
            releaseExchange(exchange, false); // stopping: nothing runs any more
            return;
        }
        Connection c = event == VertxWebsocketEvent.CLOSE ? connections.remove(key) : connections.get(key);
        if (c == null) {
            // events without OPEN (fireWebSocketConnectionEvents off) still need a lane
            c = connections.computeIfAbsent(key, k -> new Connection(new SerialLane(pool), null, null, null, null,
                    Map.of()));
            if (event == VertxWebsocketEvent.CLOSE) {
                connections.remove(key);
            }
        } else if (event == VertxWebsocketEvent.CLOSE && c.kind() != null) {
            metrics.socketClosed(c.kind());
        }
        Connection connection = c;
        if (connection.client() != null) {
            exchange.setProperty(GatewayHeaders.SOCKET, connection.client());
        }
        try {
            // in the lane's order, but OPEN and CLOSE on their own threads: an open may wait for its stream
            Executor on = event == VertxWebsocketEvent.MESSAGE ? pool : sessions;
            connection.lane().execute(() -> run(exchange, connection), on);
        } catch (RejectedExecutionException e) {
            LOG.debug("Dropping {} event of {}: gateway stopping", event, key);
            releaseExchange(exchange, false);
            return;
        }
        if (connection.socket() != null && event == VertxWebsocketEvent.MESSAGE
                && connection.lane().pending() > PAUSE_AT) {
            connection.socket().pause();
        }
    }

    /**
     * Asynchronously: a route that goes asynchronous (the agent call of a chat turn) gives the lane back at once, so the
     * socket's next frame (a cancel) is handled while the answer streams. The exchange is finished when the route
     * completes, on whichever thread completes it.
     */
    private void run(Exchange exchange, Connection connection) {
        try {
            createUoW(exchange);
            getAsyncProcessor().process(exchange, doneSync -> finish(exchange));
        } catch (Exception e) {
            getExceptionHandler().handleException("Error processing WebSocket event", exchange, e);
            finish(exchange);
        } finally {
            if (connection.socket() != null && connection.lane().pending() < RESUME_AT) {
                connection.socket().resume();
            }
        }
    }

    private void finish(Exchange exchange) {
        doneUoW(exchange);
        releaseExchange(exchange, false);
    }
}
