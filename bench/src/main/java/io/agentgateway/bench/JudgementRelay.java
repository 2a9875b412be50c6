package io.agentgateway.bench;

import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;

/**
 * The judgement trip's Vert.x baseline: what the gateway does for an {@code agent_judgement}, done directly on Vert.x
 * with its non-blocking Redis client, with no Camel, no validation beyond reading the frame, no auth, no metrics.
 * WebSocket in, one job per agent LPUSHed (pipelined on one connection), the worker's replies taken from this
 * process's own channel and written, as published, to the socket that asked. Against the raw Redis trip it prices
 * the WebSocket hop itself, which no gateway can avoid; the gateway is judged against it as the chat relay is.
 */
public final class JudgementRelay {

    private static final String CHANNEL = "bench:replies:relay";

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        int redisPort = Integer.parseInt(args[1]);
        Vertx vertx = Vertx.vertx();
        RedisOptions options = new RedisOptions().setConnectionString("redis://127.0.0.1:" + redisPort)
                .setMaxWaitingHandlers(100_000);
        RedisConnection commands = await(Redis.createClient(vertx, options).connect());
        RedisConnection replies = await(Redis.createClient(vertx, options).connect());
        Map<String, ServerWebSocket> waiting = new ConcurrentHashMap<>();
        replies.handler(message -> published(message, waiting));
        await(replies.send(Request.cmd(Command.SUBSCRIBE).arg(CHANNEL)));
        BaselineRelay.serve(vertx, port, "judgement relay",
                ws -> ws.textMessageHandler(text -> enqueue(commands, waiting, ws, text)));
    }

    /** One job per agent, as the gateway makes it (README, "Redis contract"). */
    private static void enqueue(RedisConnection commands, Map<String, ServerWebSocket> waiting, ServerWebSocket ws,
            String text) {
        JsonObject frame = new JsonObject(text);
        JsonArray agents = frame.getJsonArray("agent_ids", new JsonArray());
        JsonObject data = frame.getJsonObject("data", new JsonObject());
        String sessionId = UUID.randomUUID().toString();
        waiting.put(sessionId, ws);
        for (int i = 0; i < agents.size(); i++) {
            String agent = agents.getString(i);
            String job = new JsonObject().put("job_id", UUID.randomUUID().toString()).put("session_id", sessionId)
                    .put("agent_id", agent).put("data", data).put("reply_to", CHANNEL)
                    .put("created_at", Instant.now().toString()).encode();
            commands.send(Request.cmd(Command.LPUSH).arg("gateway:jobs:" + agent).arg(job))
                    .onFailure(e -> ws.writeTextMessage(new JsonObject().put("error", String.valueOf(e.getMessage()))
                            .encode()));
        }
    }

    /** A published reply ({@code ["message", channel, payload]}) to the socket that asked. */
    private static void published(Response message, Map<String, ServerWebSocket> waiting) {
        if (message.size() != 3 || !"message".equals(message.get(0).toString())) {
            return;
        }
        String payload = message.get(2).toString();
        JsonObject reply = new JsonObject(payload);
        String sessionId = reply.getString("session_id", "");
        ServerWebSocket ws = "agent_judgement_final".equals(reply.getString("type"))
                ? waiting.remove(sessionId) : waiting.get(sessionId);
        if (ws != null) {
            ws.writeTextMessage(payload);
        }
    }

    private static <T> T await(Future<T> f) throws Exception {
        return f.toCompletionStage().toCompletableFuture().get(30, java.util.concurrent.TimeUnit.SECONDS);
    }

    private JudgementRelay() {
    }
}
