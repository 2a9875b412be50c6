package io.agentgateway.ws;

import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;

/**
 * First in a WebSocket's pipeline: the first flush goes out at once, and the flushes that follow while the event loop
 * is still at the work in hand are done as one when it is through (a task queued behind that work; no timer).
 * <p>
 * Vert.x flushes each frame written outside the socket's own read, so every token relayed from an agent's chunk was
 * a write system call of its own, and at full speed the event loop spent itself on them. Netty's
 * {@code FlushConsolidationHandler} holds every flush until the loop is through, the first one too, so a lone
 * token waited for the rest of the loop's pass (by design; the benchmark's noise hid what that cost). Here a lone
 * token leaves as it did, and a burst (one agent chunk's tokens, one drain) leaves in two writes. Each token is
 * still a frame of its own. A close or a disconnect flushes what is held first; past the write queue's high-water
 * mark nothing is held.
 */
final class CoalescingFlush extends ChannelOutboundHandlerAdapter {

    private ChannelHandlerContext ctx;
    /** a flush went out in this pass of the event loop: later ones wait for its end */
    private boolean coalescing;
    private boolean held;
    private final Runnable endOfPass = this::endOfPass;

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void flush(ChannelHandlerContext ctx) {
        if (coalescing && ctx.channel().isWritable()) {
            held = true;
            return;
        }
        // the first of the pass, or past the write queue's high-water mark: what is held only delays the drain
        held = false;
        ctx.flush();
        if (!coalescing) {
            coalescing = true;
            ctx.channel().eventLoop().execute(endOfPass);
        }
    }

    private void endOfPass() {
        coalescing = false;
        flushHeld();
    }

    private void flushHeld() {
        if (held) {
            held = false;
            ctx.flush();
        }
    }

    @Override
    public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
        flushHeld(); // Netty fails what is written but not flushed when a channel closes
        ctx.close(promise);
    }

    @Override
    public void disconnect(ChannelHandlerContext ctx, ChannelPromise promise) {
        flushHeld();
        ctx.disconnect(promise);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        flushHeld();
    }
}
