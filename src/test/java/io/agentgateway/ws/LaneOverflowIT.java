package io.agentgateway.ws;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.agentgateway.common.GatewayHeaders;
import io.agentgateway.testing.RunningGateway;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.component.vertx.websocket.VertxWebsocketEvent;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * More busy sockets than Camel's default pool queue (1,000) while every ingress thread is taken: their frames wait
 * for a thread; none is processed on the event loop that read it (Camel's default pools run the overflow on the
 * submitting thread, which here is an event loop).
 */
class LaneOverflowIT {

    private static final int SOCKETS = 1_050;

    @Test
    void framesOfMoreBusySocketsThanThePoolQueuesNeverRunOnAnEventLoop() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        Set<String> threads = ConcurrentHashMap.newKeySet();
        AtomicInteger processed = new AtomicInteger();
        List<WebSocket> sockets = new ArrayList<>();
        try (RunningGateway gateway = RunningGateway.builder().property("gateway.ws.ingress-threads", "1").start()) {
            RouteBuilder.addRoutes(gateway.context(), rb -> rb
                    .from("vertx-websocket:/ws/busy/{tag}?fireWebSocketConnectionEvents=true").routeId("busy-probe")
                    .process(e -> {
                        if (e.getMessage().getHeader(GatewayHeaders.WS_EVENT) == VertxWebsocketEvent.MESSAGE) {
                            threads.add(Thread.currentThread().getName().replaceAll("[0-9]+", "#"));
                            release.await(30, TimeUnit.SECONDS); // holds the one ingress thread until all have sent
                            processed.incrementAndGet();
                        }
                    }));
            if (!gateway.context().getRouteController().getRouteStatus("busy-probe").isStarted()) {
                gateway.context().getRouteController().startRoute("busy-probe");
            }
            HttpClient client = HttpClient.newHttpClient();
            List<CompletableFuture<WebSocket>> opening = new ArrayList<>();
            for (int i = 0; i < SOCKETS; i++) {
                opening.add(client.newWebSocketBuilder().buildAsync(
                        URI.create("ws://127.0.0.1:" + gateway.port() + "/ws/busy/t" + i), new WebSocket.Listener() { }));
            }
            for (CompletableFuture<WebSocket> f : opening) {
                WebSocket ws = f.get(30, TimeUnit.SECONDS);
                sockets.add(ws);
                ws.sendText("{}", true);
            }
            Thread.sleep(500); // the frames reach the gateway and wait for the one thread
            release.countDown();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (processed.get() < SOCKETS && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(processed.get()).isEqualTo(SOCKETS);
            assertThat(threads).as("threads that processed a frame").allSatisfy(
                    name -> assertThat(name).doesNotContain("eventloop"));
        } finally {
            sockets.forEach(WebSocket::abort);
        }
    }
}
