package io.agentgateway.ws;

import java.util.concurrent.TimeUnit;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.util.ReferenceCountUtil;

/**
 * The last strict handler before Vert.x, one per connection, on the connection's event loop:
 * <ul>
 *   <li>after a protocol violation (a close frame is already on its way) no further frame reaches Vert.x;</li>
 *   <li>an empty first fragment is held back and the next fragment takes its type: Vert.x's aggregator decides
 *       a continuation's type from the bytes buffered so far, so it drops a message whose first fragment is
 *       empty;</li>
 *   <li>each ping interval without a byte from the client sends a ping; once the silence reaches the idle
 *       timeout the socket is closed with 1001 (going away, as Jetty does on idle timeout).</li>
 * </ul>
 */
final class FrameGuard extends ChannelInboundHandlerAdapter implements IdleSweep.Watched {

    static final int IDLE_CLOSE_CODE = WebSocketCloseStatus.ENDPOINT_UNAVAILABLE.code(); // 1001

    private final long pingIntervalNanos;
    private final long idleTimeoutNanos;
    private final CloseOnceFilter closeOnce;
    private final StrictFrameDecoder reads;
    private ChannelHandlerContext ctx;
    /** The connection failed (protocol violation or idle): its close frame is sent, nothing else gets through. */
    private boolean failed;
    private long lastPingNanos;
    /** Type of a fragmented message whose fragments so far were all empty and held back, or null. */
    private Class<? extends WebSocketFrame> heldType;

    /** @param reads the connection's decoder, which knows when the client last sent anything */
    FrameGuard(long pingIntervalMillis, long idleTimeoutMillis, CloseOnceFilter closeOnce, StrictFrameDecoder reads) {
        this.closeOnce = closeOnce;
        this.pingIntervalNanos = TimeUnit.MILLISECONDS.toNanos(pingIntervalMillis);
        this.idleTimeoutNanos = TimeUnit.MILLISECONDS.toNanos(idleTimeoutMillis);
        this.reads = reads;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    /**
     * On the event loop, a few times per ping interval: a ping after each ping interval without a byte from the
     * client; once the silence reaches the idle timeout, close with 1001 (going away, as Jetty does on idle timeout).
     */
    @Override
    public boolean visit(long nowNanos) {
        if (ctx == null) {
            return true; // not in the pipeline yet
        }
        if (failed || closeOnce.closeSent() || !ctx.channel().isActive()) {
            return false;
        }
        long silent = nowNanos - reads.lastReadNanos();
        if (silent >= idleTimeoutNanos) {
            failed = true;
            // Closed at once, not after the write: a dead peer may never take the bytes.
            ctx.writeAndFlush(new CloseWebSocketFrame(IDLE_CLOSE_CODE, "Idle timeout"));
            ctx.close();
            return false;
        }
        if (silent >= pingIntervalNanos && nowNanos - lastPingNanos >= pingIntervalNanos) {
            lastPingNanos = nowNanos;
            ctx.writeAndFlush(new PingWebSocketFrame(Unpooled.EMPTY_BUFFER));
        }
        return true;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (failed || !(msg instanceof WebSocketFrame frame)) {
            if (failed) {
                ReferenceCountUtil.release(msg);
            } else {
                ctx.fireChannelRead(msg);
            }
            return;
        }
        boolean data = frame instanceof TextWebSocketFrame || frame instanceof BinaryWebSocketFrame;
        if (data && !frame.isFinalFragment() && !frame.content().isReadable()) {
            heldType = frame.getClass();
            frame.release();
            return;
        }
        if (frame instanceof ContinuationWebSocketFrame && heldType != null) {
            if (!frame.isFinalFragment() && !frame.content().isReadable()) {
                frame.release();
                return;
            }
            Class<? extends WebSocketFrame> type = heldType;
            heldType = null;
            ctx.fireChannelRead(type == TextWebSocketFrame.class
                    ? new TextWebSocketFrame(frame.isFinalFragment(), frame.rsv(), frame.content())
                    : new BinaryWebSocketFrame(frame.isFinalFragment(), frame.rsv(), frame.content()));
            return;
        }
        ctx.fireChannelRead(frame);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) throws Exception {
        if (ProtocolStrictness.isProtocolViolation(cause)) {
            failed = true;
        }
        ctx.fireExceptionCaught(cause);
    }
}
