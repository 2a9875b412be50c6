package io.agentgateway.ws;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.DefaultEventLoopGroup;
import io.netty.channel.local.LocalAddress;
import io.netty.channel.local.LocalChannel;
import io.netty.channel.local.LocalServerChannel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** On a real event loop (Netty's in-process channels): what reaches the socket, and in how many flushes. */
class CoalescingFlushTest {

    /** Counts the flushes that reach the socket (the head of the pipeline). */
    private static final class Flushes extends ChannelOutboundHandlerAdapter {
        final AtomicInteger count = new AtomicInteger();

        @Override
        public void flush(ChannelHandlerContext ctx) {
            count.incrementAndGet();
            ctx.flush();
        }
    }

    private final DefaultEventLoopGroup loops = new DefaultEventLoopGroup(1);
    private final Flushes flushes = new Flushes();
    private final List<Object> received = new CopyOnWriteArrayList<>();
    private Channel server;
    private Channel channel;

    @BeforeEach
    void connect() throws Exception {
        LocalAddress address = new LocalAddress("coalescing-" + System.nanoTime());
        server = new ServerBootstrap().group(loops).channel(LocalServerChannel.class)
                .childHandler(new ChannelInitializer<LocalChannel>() {
                    @Override
                    protected void initChannel(LocalChannel ch) {
                        ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                            @Override
                            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                received.add(msg);
                            }
                        });
                    }
                }).bind(address).sync().channel();
        channel = new Bootstrap().group(loops).channel(LocalChannel.class)
                .handler(new ChannelInitializer<LocalChannel>() {
                    @Override
                    protected void initChannel(LocalChannel ch) {
                        ch.pipeline().addLast(flushes, new CoalescingFlush());
                    }
                }).connect(address).sync().channel();
    }

    @AfterEach
    void close() {
        channel.close().syncUninterruptibly();
        server.close().syncUninterruptibly();
        loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** Runs {@code work} as one task of the event loop and returns the flushes that reached the socket during it. */
    private int inOnePass(Runnable work) throws Exception {
        CountDownLatch done = new CountDownLatch(1);
        int[] during = new int[1];
        channel.eventLoop().execute(() -> {
            int before = flushes.count.get();
            work.run();
            during[0] = flushes.count.get() - before;
            done.countDown();
        });
        assertThat(done.await(5, TimeUnit.SECONDS)).isTrue();
        return during[0];
    }

    private void awaitReceived(int n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (received.size() < n && System.nanoTime() < deadline) {
            Thread.sleep(5); // polling the peer's reads, with a deadline
        }
        assertThat(received).hasSize(n);
    }

    @Test
    void aLoneFrameLeavesAtOnce() throws Exception {
        assertThat(inOnePass(() -> channel.writeAndFlush("token"))).as("flushed within the pass").isEqualTo(1);
        awaitReceived(1);
        assertThat(flushes.count).as("nothing held for the end of the pass").hasValue(1);
    }

    @Test
    void aBurstLeavesInTwoFlushesEveryFrameInOrder() throws Exception {
        int during = inOnePass(() -> {
            for (int i = 0; i < 100; i++) {
                channel.writeAndFlush("t" + i);
            }
        });
        assertThat(during).as("the first at once, the rest held").isEqualTo(1);
        awaitReceived(100);
        assertThat(received).containsExactlyElementsOf(java.util.stream.IntStream.range(0, 100)
                .mapToObj(i -> (Object) ("t" + i)).toList());
        assertThat(flushes.count).as("the rest at the end of the pass").hasValue(2);

        assertThat(inOnePass(() -> channel.writeAndFlush("next"))).as("a new pass: at once again").isEqualTo(1);
        awaitReceived(101);
    }

    @Test
    void aCloseSendsWhatIsHeldFirst() throws Exception {
        inOnePass(() -> {
            channel.writeAndFlush("first");
            channel.writeAndFlush("held");
            channel.close();
        });
        awaitReceived(2);
        assertThat(received).as("flushed before the close, not failed by it").containsExactly("first", "held");
    }

    @Test
    void pastTheHighWaterMarkNothingIsHeld() throws Exception {
        channel.config().setWriteBufferWaterMark(new io.netty.channel.WriteBufferWaterMark(8, 16));
        int during = inOnePass(() -> {
            channel.writeAndFlush("first");
            // over the mark: the channel is unwritable, and holding the flush would only delay its drain
            channel.writeAndFlush(io.netty.buffer.Unpooled.copiedBuffer("a frame longer than the high water mark",
                    java.nio.charset.StandardCharsets.UTF_8));
        });
        assertThat(during).as("both flushed within the pass").isEqualTo(2);
        awaitReceived(2);
    }
}
