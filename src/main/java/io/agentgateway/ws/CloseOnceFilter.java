package io.agentgateway.ws;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.util.ReferenceCountUtil;

/**
 * Nothing may follow a close frame (RFC 6455 section 5.5.1). Sits right after the frame encoder, so it sees the
 * close frames of the strict decoder and the UTF-8 validator as well as Vert.x's: when one of those fails the
 * connection, Vert.x's own close of the connection would otherwise send a second close frame (1000).
 * <p>
 * It also sees the socket's first data frame go out, and puts {@link CoalescingFlush} first in the pipeline then,
 * so that the frames of a burst leave in one write. Not before: a socket that only waits (most of them) does without
 * its 130 bytes.
 */
final class CloseOnceFilter extends ChannelOutboundHandlerAdapter {

    static final String FLUSH_HANDLER = "agw-ws-flush";

    private boolean closeSent;
    private boolean flushHandlerAdded;

    boolean closeSent() {
        return closeSent;
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
        if (closeSent && msg instanceof WebSocketFrame) {
            ReferenceCountUtil.release(msg);
            promise.trySuccess(); // dropped: the connection is closing
            return;
        }
        if (msg instanceof CloseWebSocketFrame) {
            closeSent = true;
        } else if (!flushHandlerAdded && (msg instanceof TextWebSocketFrame || msg instanceof BinaryWebSocketFrame)) {
            flushHandlerAdded = true;
            ctx.pipeline().addFirst(FLUSH_HANDLER, new CoalescingFlush());
        }
        ctx.write(msg, promise);
    }
}
