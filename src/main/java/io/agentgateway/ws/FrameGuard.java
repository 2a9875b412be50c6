package io.agentgateway.ws;

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
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
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
final class FrameGuard extends ChannelInboundHandlerAdapter {

    static final int IDLE_CLOSE_CODE = WebSocketCloseStatus.ENDPOINT_UNAVAILABLE.code(); // 1001

    private final long pingIntervalMillis;
    private final long idleTimeoutMillis;
    /** The connection failed (protocol violation or idle): its close frame is sent, nothing else gets through. */
    private boolean failed;
    private final CloseOnceFilter closeOnce;
    private long silentMillis;
    /** Type of a fragmented message whose fragments so far were all empty and held back, or null. */
    private Class<? extends WebSocketFrame> heldType;

    FrameGuard(long pingIntervalMillis, long idleTimeoutMillis, CloseOnceFilter closeOnce) {
        this.closeOnce = closeOnce;
        this.pingIntervalMillis = pingIntervalMillis;
        this.idleTimeoutMillis = idleTimeoutMillis;
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

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (!(evt instanceof IdleStateEvent idle)) {
            ctx.fireUserEventTriggered(evt);
            return;
        }
        // Consumed here: Vert.x closes the connection without a close frame on any idle event.
        if (idle.state() != IdleState.READER_IDLE || failed || closeOnce.closeSent() || !ctx.channel().isActive()) {
            return;
        }
        silentMillis = idle.isFirst() ? pingIntervalMillis : silentMillis + pingIntervalMillis;
        if (silentMillis >= idleTimeoutMillis) {
            failed = true;
            // Closed at once, not after the write: a dead peer may never take the bytes.
            ctx.writeAndFlush(new CloseWebSocketFrame(IDLE_CLOSE_CODE, "Idle timeout"));
            ctx.close();
        } else {
            ctx.writeAndFlush(new PingWebSocketFrame(Unpooled.EMPTY_BUFFER));
        }
    }
}
