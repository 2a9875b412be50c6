package io.agentgateway.ws;

import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;

/**
 * Netty's RFC 6455 decoder with a stricter close-frame check. Netty's own check accepts codes 5000-65535 (it
 * reads the code as a signed short) and, because it runs after the peer's close was seen, fails the connection
 * without sending a close frame. This one answers an invalid code with 1002 and an invalid UTF-8 reason with
 * 1007, then closes.
 */
final class StrictFrameDecoder extends WebSocket13FrameDecoder {

    /** when the client last sent bytes ({@link System#nanoTime()}), for the idle sweep; on the event loop only */
    private long lastReadNanos = System.nanoTime();

    StrictFrameDecoder(WebSocketDecoderConfig config) {
        super(config);
    }

    /** Any bytes count as traffic, a frame's first part as much as a whole frame or a pong. */
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        lastReadNanos = System.nanoTime();
        super.channelRead(ctx, msg);
    }

    long lastReadNanos() {
        return lastReadNanos;
    }

    /** Codes a peer may send (RFC 6455 section 7.4 and the IANA registry): 1000-1003, 1007-1014, 3000-4999. */
    static boolean isValidCloseCode(int code) {
        return code >= 1000 && code <= 1003 || code >= 1007 && code <= 1014 || code >= 3000 && code <= 4999;
    }

    @Override
    protected void checkCloseFrameBody(ChannelHandlerContext ctx, ByteBuf buffer) {
        if (buffer == null || !buffer.isReadable()) {
            return; // no code at all is allowed
        }
        int length = buffer.readableBytes();
        if (length < 2) {
            fail(ctx, WebSocketCloseStatus.PROTOCOL_ERROR, "Close frame payload of 1 byte");
        }
        int code = buffer.getUnsignedShort(buffer.readerIndex());
        if (!isValidCloseCode(code)) {
            fail(ctx, WebSocketCloseStatus.PROTOCOL_ERROR, "Invalid close code " + code);
        }
        if (length > 2) {
            try {
                StandardCharsets.UTF_8.newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)
                        .decode(buffer.nioBuffer(buffer.readerIndex() + 2, length - 2));
            } catch (CharacterCodingException e) {
                fail(ctx, WebSocketCloseStatus.INVALID_PAYLOAD_DATA, "Close reason is not valid UTF-8");
            }
        }
    }

    private static void fail(ChannelHandlerContext ctx, WebSocketCloseStatus status, String reason) {
        if (ctx.channel().isActive()) {
            ctx.writeAndFlush(new CloseWebSocketFrame(status, reason)).addListener(ChannelFutureListener.CLOSE);
        }
        throw new CorruptedWebSocketFrameException(status, reason);
    }
}
