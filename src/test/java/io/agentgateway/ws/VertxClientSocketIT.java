package io.agentgateway.ws;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import io.agentgateway.common.GatewayMetrics;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketFrame;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Kept frames go out from their UTF-8 bytes, over a real socket: as one text frame, or cut up when long. */
class VertxClientSocketIT {

    private final Vertx vertx = Vertx.vertx();

    @AfterEach
    void close() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void bytesGoOutAsTheTextTheyEncodeWholeOrInFrames() throws Exception {
        String small = "{\"token\":\"héllo 😀\"}";
        String large = "{\"token\":\"" + "é".repeat(40_000) + "\"}"; // 80 KB: more than one frame takes
        // The server writes once the client asks, so the client's handlers are in place before any frame comes.
        HttpServer server = vertx.createHttpServer().webSocketHandler(ws -> ws.textMessageHandler(go -> {
            VertxClientSocket socket = new VertxClientSocket(ws, "k", "s", GatewayMetrics.NONE);
            assertThat(socket.sendUtf8(small.getBytes(StandardCharsets.UTF_8))).isTrue();
            assertThat(socket.sendUtf8(large.getBytes(StandardCharsets.UTF_8))).isTrue();
        })).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);

        List<WebSocketFrame> frames = new CopyOnWriteArrayList<>();
        List<String> messages = new CopyOnWriteArrayList<>();
        WebSocket client = vertx.createWebSocketClient(new WebSocketClientOptions().setMaxMessageSize(1 << 20))
                .connect(server.actualPort(), "127.0.0.1", "/ws").toCompletionStage().toCompletableFuture()
                .get(10, TimeUnit.SECONDS);
        client.frameHandler(frames::add);
        client.textMessageHandler(messages::add);
        client.writeTextMessage("go");

        await().atMost(10, TimeUnit.SECONDS).until(() -> messages.size() == 2);
        assertThat(messages).containsExactly(small, large);
        assertThat(frames.get(0).isText()).isTrue();
        assertThat(frames.get(0).isFinal()).as("the small one in one frame").isTrue();
        assertThat(frames.size()).as("the large one cut into frames").isGreaterThan(2);
    }
}
