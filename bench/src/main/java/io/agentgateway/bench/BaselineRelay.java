package io.agentgateway.bench;

import java.net.URI;

import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.parsetools.RecordParser;

/**
 * The baseline: the gateway's job done directly on Vert.x, with no Camel, no validation beyond reading the
 * frame, no auth, no history. WebSocket in, the agent's SSE stream out over a non-blocking HTTP client, each
 * chunk back to the socket. What this JVM and machine allow; the gateway is judged as a ratio to it.
 * Like the gateway it holds the agent back while its client's socket is full (pause the response, resume on
 * drain), so a slow reader costs it a socket's write queue rather than the whole answer in memory.
 */
public final class BaselineRelay {

    public static void main(String[] args) {
        int port = Integer.parseInt(args[0]);
        URI agent = URI.create(args[1]);
        Vertx vertx = Vertx.vertx();
        HttpClient client = vertx.createHttpClient(new HttpClientOptions()
                .setMaxPoolSize(20_000).setKeepAlive(true).setTcpNoDelay(true));
        serve(vertx, port, "baseline", ws -> ws.textMessageHandler(text -> relay(client, agent, ws, text)));
    }

    /**
     * A baseline's server on loopback: WebSockets on {@code /ws...} to {@code sockets}, {@code /health} (any other
     * request) answered ok, the process ended if the port cannot be bound.
     */
    static void serve(Vertx vertx, int port, String name, Handler<ServerWebSocket> sockets) {
        vertx.createHttpServer(new HttpServerOptions().setAcceptBacklog(8192).setTcpNoDelay(true))
                .webSocketHandler(ws -> {
                    if (!ws.path().startsWith("/ws")) {
                        ws.reject(404);
                        return;
                    }
                    sockets.handle(ws);
                })
                .requestHandler(req -> req.response().putHeader("Content-Type", "application/json")
                        .end("{\"status\":\"ok\"}"))
                .listen(port, "127.0.0.1")
                .onSuccess(s -> System.out.println(name + " ready on " + s.actualPort()))
                .onFailure(e -> {
                    e.printStackTrace();
                    System.exit(1);
                });
    }

    private static void relay(HttpClient client, URI agent, ServerWebSocket ws, String text) {
        JsonObject frame = new JsonObject(text);
        String body = new JsonObject().put("model", "bench").put("stream", true)
                .put("messages", new JsonArray().add(new JsonObject().put("role", "user")
                        .put("content", frame.getString("content")))).encode();
        client.request(new RequestOptions().setMethod(HttpMethod.POST).setHost(agent.getHost())
                        .setPort(agent.getPort()).setURI(agent.getPath()))
                .compose(req -> req.putHeader("Content-Type", "application/json").send(body))
                .onSuccess(resp -> {
                    RecordParser lines = RecordParser.newDelimited("\n", line -> {
                        String s = line.toString();
                        if (!s.startsWith("data: ")) {
                            return;
                        }
                        String data = s.substring(6);
                        if (data.equals("[DONE]")) {
                            return;
                        }
                        String token = new JsonObject(data).getJsonArray("choices").getJsonObject(0)
                                .getJsonObject("delta").getString("content");
                        if (token != null) {
                            ws.writeTextMessage(new JsonObject().put("type", "assistant_message").put("token", token)
                                    .put("is_final", false).encode());
                            if (ws.writeQueueFull()) {
                                resp.pause();
                                ws.drainHandler(v -> resp.resume());
                            }
                        }
                    });
                    resp.handler(lines);
                    resp.endHandler(v -> ws.writeTextMessage(
                            "{\"type\":\"assistant_message\",\"token\":\"\",\"is_final\":true}"));
                })
                .onFailure(e -> ws.writeTextMessage(new JsonObject().put("type", "error")
                        .put("error", String.valueOf(e.getMessage())).put("is_final", true).encode()));
    }

    private BaselineRelay() {
    }
}
