package io.agentgateway.ws;

import java.time.Duration;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.Utf8FrameValidator;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketFrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketFrameEncoder;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.impl.ConnectionBase;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * RFC 6455 strictness for every WebSocket on the gateway's HTTP server, whichever route upgrades it.
 * <p>
 * Vert.x 4.5 builds Netty's frame decoder with {@code closeOnProtocolViolation(false)}, accepts RSV bits whenever
 * compression support is on, and decodes text with U+FFFD replacement, so a broken client is either humoured or cut
 * off without a close frame. At the upgrade this swaps in, between the frame encoder and Vert.x:
 * <ol>
 *   <li>{@link CloseOnceFilter}: no frame after a close frame;</li>
 *   <li>{@link StrictFrameDecoder}: Netty's RFC 6455 decoder, closing with 1002 (1009 for a frame over the limit)
 *       on a protocol violation, and with 1002 / 1007 on a bad close frame; it notes when the client last sent
 *       bytes;</li>
 *   <li>Netty's {@link Utf8FrameValidator}: closes with 1007 on invalid UTF-8 in a text message, fail-fast per
 *       fragment;</li>
 *   <li>{@link FrameGuard}: drops frames after a violation, joins empty first fragments (which Vert.x loses) to
 *       the next fragment, pings an idle socket and closes a silent one with 1001, when the {@link IdleSweep}
 *       visits it.</li>
 * </ol>
 * The handlers sit after the frame encoder, so the close frames they write are encoded. Vert.x's handlers (and
 * Camel's text/binary handlers on top) see only frames that passed. From the socket's first data frame on,
 * {@link CoalescingFlush} is first in the pipeline ({@link CloseOnceFilter}).
 */
public final class ProtocolStrictness {

    private static final Logger LOG = LoggerFactory.getLogger(ProtocolStrictness.class);
    private static final String WATCHER = "agw-upgrade-watch";

    private final WebSocketDecoderConfig config;
    private final long pingIntervalMillis;
    private final long idleTimeoutMillis;
    /** visits each socket four times per ping interval: pings and idle closes are late by a quarter at most */
    private final IdleSweep sweep;

    /**
     * @param maxFramePayloadBytes largest single frame; a larger one is closed with 1009
     * @param pingInterval         silence after which the server pings
     * @param idleTimeout          silence after which the socket is closed with 1001 (at the next ping tick)
     */
    public ProtocolStrictness(int maxFramePayloadBytes, Duration pingInterval, Duration idleTimeout) {
        if (pingInterval.isNegative() || pingInterval.isZero() || idleTimeout.compareTo(pingInterval) < 0) {
            throw new IllegalArgumentException("need 0 < pingInterval <= idleTimeout");
        }
        this.pingIntervalMillis = pingInterval.toMillis();
        this.idleTimeoutMillis = idleTimeout.toMillis();
        this.sweep = new IdleSweep(pingIntervalMillis / 4);
        this.config = WebSocketDecoderConfig.newBuilder()
                .expectMaskedFrames(true)
                .allowMaskMismatch(false)
                // compression is off on the server, so no extension is ever negotiated and RSV bits are errors
                .allowExtensions(false)
                .maxFramePayloadLength(maxFramePayloadBytes)
                .closeOnProtocolViolation(true)
                .build();
    }

    /**
     * Wraps the server's request handler: a WebSocket upgrade request gets a watcher that installs the strict
     * handlers when the 101 response goes out. It works below the router, so no route or consumer can miss it.
     */
    public Handler<HttpServerRequest> guarding(Handler<HttpServerRequest> next) {
        return request -> {
            if (isWebSocketUpgrade(request) && request.connection() instanceof ConnectionBase connection) {
                ChannelPipeline pipeline = connection.channel().pipeline();
                if (pipeline.get(WATCHER) == null) {
                    pipeline.addLast(WATCHER, new UpgradeWatcher());
                }
            }
            next.handle(request);
        };
    }

    /** Whether an exception is a client's protocol violation, already answered with a close frame. */
    public static boolean isProtocolViolation(Throwable cause) {
        Throwable t = cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
        return t instanceof CorruptedWebSocketFrameException;
    }

    private static boolean isWebSocketUpgrade(HttpServerRequest request) {
        String upgrade = request.getHeader("Upgrade");
        return upgrade != null && upgrade.equalsIgnoreCase("websocket");
    }

    /**
     * Replaces Vert.x's lenient frame decoder once the handshake has put it in the pipeline. It runs while the 101
     * response is being written, before the client may send its first frame (RFC 6455 section 4.1: the client
     * waits for the response), so the lenient decoder never sees one.
     */
    void install(ChannelPipeline pipeline) {
        ChannelHandlerContext lenient = pipeline.context(WebSocketFrameDecoder.class);
        ChannelHandlerContext encoder = pipeline.context(WebSocketFrameEncoder.class);
        if (lenient == null || encoder == null) {
            LOG.warn("WebSocket upgrade without Netty frame codec in the pipeline {}: not made strict", pipeline.names());
            return;
        }
        pipeline.remove(lenient.handler());
        CloseOnceFilter closeOnce = new CloseOnceFilter();
        StrictFrameDecoder decoder = new StrictFrameDecoder(config);
        FrameGuard guard = new FrameGuard(pingIntervalMillis, idleTimeoutMillis, closeOnce, decoder);
        pipeline.addAfter(encoder.name(), "agw-ws-close-once", closeOnce);
        pipeline.addAfter("agw-ws-close-once", "agw-ws-decoder", decoder);
        pipeline.addAfter("agw-ws-decoder", "agw-ws-utf8", new Utf8FrameValidator(true));
        pipeline.addAfter("agw-ws-utf8", "agw-ws-guard", guard);
        sweep.watch(pipeline.channel().eventLoop(), guard);
        LOG.debug("Strict WebSocket pipeline: {}", pipeline.names());
    }

    /** Sees the handshake's response go out: on 101 the WebSocket codec is in place; on anything else, no upgrade. */
    private final class UpgradeWatcher extends ChannelOutboundHandlerAdapter {
        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
            if (msg instanceof HttpResponse response) {
                int status = response.status().code();
                if (status == HttpResponseStatus.SWITCHING_PROTOCOLS.code()) {
                    ctx.pipeline().remove(this);
                    install(ctx.pipeline());
                } else if (status >= 200) {
                    ctx.pipeline().remove(this); // refused (401, 403, ...) or not a WebSocket route
                }
            }
            ctx.write(msg, promise);
        }
    }
}
