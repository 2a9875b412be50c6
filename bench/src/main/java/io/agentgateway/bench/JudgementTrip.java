package io.agentgateway.bench;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import org.HdrHistogram.ConcurrentHistogram;

/**
 * The judgement round trip, done two ways over the same redis-server and the same {@link Worker}:
 * <ul>
 *   <li>through the gateway: an {@code agent_judgement} over WebSocket {@code /ws}; the gateway LPUSHes the job,
 *       the worker BRPOPs it and PUBLISHes a thought and a final to the gateway's reply channel, and the gateway
 *       relays both to the socket;</li>
 *   <li>raw: the client LPUSHes the same job itself and SUBSCRIBEs to a reply channel of its own.</li>
 * </ul>
 * So the difference is what the gateway adds. A round trip is from asking to the final; every final is checked:
 * it must follow exactly one thought and carry the judgement made of what was asked, with result code 0.
 */
final class JudgementTrip {

    /** The agent every job is for; jobs go where the gateway puts them, under its default prefix. */
    static final String AGENT = "bench-judge";
    static final String JOBS = "gateway:jobs:" + AGENT;
    private static final String RAW_REPLIES = "bench:replies:raw";
    private static final int PROBLEMS_KEPT = 5;

    /** One request in flight at a time; completes with the checked final, fails with what was wrong. */
    interface Lane {
        Future<Void> ask(String input);
    }

    /** A way of asking, holding its connections; {@link #lanes} many requests can be in flight at once. */
    abstract static class Client implements AutoCloseable {
        protected final Vertx vertx = Vertx.vertx();
        protected final List<Lane> lanes = new ArrayList<>();

        List<Lane> lanes() {
            return lanes;
        }

        @Override
        public void close() throws Exception {
            vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
    }

    static String thought(String input) {
        return "reading: " + input;
    }

    static String judgement(String input) {
        return "judged: " + input;
    }

    /** What one phase of requests measured. */
    record Result(long done, double seconds, ConcurrentHistogram micros, long failed, String problems) {
        double perSecond() {
            return done / Math.max(seconds, 1e-9);
        }

        double percentileMs(double p) {
            return micros.getValueAtPercentile(p) / 1000.0;
        }
    }

    /**
     * Sends {@code count} requests over the lanes, each lane asking again as soon as its answer came (a closed loop:
     * as many in flight as there are lanes). Returns when all are answered or {@code deadlineSec} passed.
     */
    static Result drive(List<Lane> lanes, int count, long deadlineSec) throws InterruptedException {
        ConcurrentHistogram micros = new ConcurrentHistogram(60_000_000L, 3);
        AtomicInteger issued = new AtomicInteger();
        AtomicLong failed = new AtomicLong();
        List<String> problems = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch answered = new CountDownLatch(count);
        String run = Long.toString(System.nanoTime(), 36);
        long t0 = System.nanoTime();
        for (int l = 0; l < lanes.size(); l++) {
            next(lanes.get(l), run + "-" + l, count, issued, micros, failed, problems, answered);
        }
        boolean done = answered.await(deadlineSec, TimeUnit.SECONDS);
        double seconds = (System.nanoTime() - t0) / 1e9;
        if (!done) {
            problems.add(0, answered.getCount() + " of " + count + " requests unanswered after " + deadlineSec + " s");
        }
        return new Result(count - answered.getCount(), seconds, micros, failed.get() + answered.getCount(),
                String.join("; ", problems.subList(0, Math.min(PROBLEMS_KEPT, problems.size()))));
    }

    private static void next(Lane lane, String name, int count, AtomicInteger issued, ConcurrentHistogram micros,
                             AtomicLong failed, List<String> problems, CountDownLatch answered) {
        int n = issued.getAndIncrement();
        if (n >= count) {
            return;
        }
        long t0 = System.nanoTime();
        lane.ask(name + "-" + n).onComplete(ar -> {
            micros.recordValue(Math.min(micros.getHighestTrackableValue(), (System.nanoTime() - t0) / 1000));
            if (ar.failed()) {
                failed.incrementAndGet();
                if (problems.size() < PROBLEMS_KEPT) {
                    problems.add(String.valueOf(ar.cause().getMessage()));
                }
            }
            answered.countDown();
            next(lane, name, count, issued, micros, failed, problems, answered);
        });
    }

    /** Checks one request's replies as they come: one thought, then the final. */
    private static final class Expected {
        final String input;
        final Promise<Void> done = Promise.promise();
        int thoughts;

        Expected(String input) {
            this.input = input;
        }

        /** Takes one reply (a worker's, as the gateway relays it or as published); true once it was the final. */
        boolean take(JsonObject reply) {
            String type = reply.getString("type", "");
            JsonObject data = reply.getJsonObject("data", new JsonObject());
            if ("agent_judgement_stream".equals(type)) {
                if (!thought(input).equals(data.getString("thinking"))) {
                    done.tryFail("wrong thought for " + input + ": " + reply.encode());
                    return true;
                }
                thoughts++;
                return false;
            }
            if (!"agent_judgement_final".equals(type)) {
                done.tryFail("unexpected reply to " + input + ": " + reply.encode());
                return true;
            }
            if (thoughts != 1 || !Integer.valueOf(0).equals(reply.getInteger("result_code"))
                    || !judgement(input).equals(data.getString("judgement"))) {
                done.tryFail("wrong final for " + input + " after " + thoughts + " thoughts: " + reply.encode());
            } else {
                done.tryComplete();
            }
            return true;
        }
    }

    // --- through the gateway --------------------------------------------------------------------

    /** Sockets on the gateway's judgement endpoint, one lane each. */
    static final class ViaGateway extends Client {

        ViaGateway(int port, int sockets) throws Exception {
            WebSocketClient client = vertx.createWebSocketClient(new WebSocketClientOptions()
                    .setMaxConnections(sockets + 10).setTryUsePerMessageCompression(false));
            List<Future<WebSocket>> opening = new ArrayList<>();
            for (int i = 0; i < sockets; i++) {
                opening.add(client.connect(port, "127.0.0.1", "/ws"));
            }
            Future.all(opening).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
            for (Future<WebSocket> f : opening) {
                lanes.add(new SocketLane(f.result()));
            }
        }
    }

    private static final class SocketLane implements Lane {
        private final WebSocket ws;
        private volatile Expected current;

        SocketLane(WebSocket ws) {
            this.ws = ws;
            ws.textMessageHandler(text -> {
                Expected e = current;
                JsonObject frame = new JsonObject(text);
                if (e == null) {
                    return;
                }
                if (frame.containsKey("error")) {
                    e.done.tryFail("error frame: " + text);
                } else {
                    e.take(frame);
                }
            });
        }

        @Override
        public Future<Void> ask(String input) {
            Expected e = new Expected(input);
            current = e;
            ws.writeTextMessage(new JsonObject().put("type", "agent_judgement")
                    .put("agent_ids", new JsonArray().add(AGENT))
                    .put("data", new JsonObject().put("user_input", input)).encode());
            return e.done.future();
        }
    }

    // --- raw Redis ------------------------------------------------------------------------------

    /** The job LPUSHed and the replies taken from a subscription, by the client itself. */
    static final class ViaRedis extends Client {
        private final RedisConnection commands;
        private final RedisConnection replies;
        private final Map<String, Expected> waiting = new ConcurrentHashMap<>();

        ViaRedis(int redisPort, int inFlight) throws Exception {
            RedisOptions options = new RedisOptions().setConnectionString("redis://127.0.0.1:" + redisPort)
                    .setMaxWaitingHandlers(inFlight * 4 + 16);
            commands = await(Redis.createClient(vertx, options).connect());
            replies = await(Redis.createClient(vertx, options).connect());
            replies.handler(this::published);
            await(replies.send(Request.cmd(Command.SUBSCRIBE).arg(RAW_REPLIES)));
            for (int i = 0; i < inFlight; i++) {
                lanes.add(this::ask);
            }
        }

        private Future<Void> ask(String input) {
            String sessionId = UUID.randomUUID().toString();
            Expected e = new Expected(input);
            waiting.put(sessionId, e);
            // the job as the gateway makes it (README, "Redis contract")
            String job = new JsonObject().put("job_id", UUID.randomUUID().toString()).put("session_id", sessionId)
                    .put("agent_id", AGENT).put("data", new JsonObject().put("user_input", input))
                    .put("reply_to", RAW_REPLIES).put("created_at", Instant.now().toString()).encode();
            commands.send(Request.cmd(Command.LPUSH).arg(JOBS).arg(job)).onFailure(e.done::tryFail);
            return e.done.future().onComplete(ar -> waiting.remove(sessionId));
        }

        /** A published message: {@code ["message", channel, payload]}; subscription confirmations are not. */
        private void published(Response message) {
            if (message.size() != 3 || !"message".equals(message.get(0).toString())) {
                return;
            }
            JsonObject reply = new JsonObject(message.get(2).toString());
            Expected e = waiting.get(reply.getString("session_id", ""));
            if (e != null) {
                e.take(reply);
            }
        }
    }

    // --- the worker -----------------------------------------------------------------------------

    /**
     * A deterministic agent worker speaking the documented contract: BRPOP a job from {@link #JOBS}, PUBLISH one
     * thought and then the final to the job's {@code reply_to}. Several loops, each on its own connection (BRPOP
     * holds it), with the two PUBLISHes pipelined behind on the same connection so they stay in order.
     */
    static final class Worker implements AutoCloseable {
        private final Vertx vertx = Vertx.vertx();
        private volatile boolean running = true;
        final AtomicLong jobs = new AtomicLong();

        Worker(int redisPort, int loops) throws Exception {
            RedisOptions options = new RedisOptions().setConnectionString("redis://127.0.0.1:" + redisPort);
            for (int i = 0; i < loops; i++) {
                RedisConnection c = await(Redis.createClient(vertx, options).connect());
                take(c);
            }
        }

        private void take(RedisConnection c) {
            if (!running) {
                return;
            }
            // a short block, so that a closed worker's loops end soon
            c.send(Request.cmd(Command.BRPOP).arg(JOBS).arg(1)).onSuccess(popped -> {
                if (popped != null) {
                    answer(c, new JsonObject(popped.get(1).toString()));
                }
                take(c);
            }).onFailure(e -> {
                if (running) {
                    vertx.setTimer(100, id -> take(c));
                }
            });
        }

        private void answer(RedisConnection c, JsonObject job) {
            jobs.incrementAndGet();
            String input = job.getJsonObject("data", new JsonObject()).getString("user_input", "");
            JsonObject stream = new JsonObject().put("type", "agent_judgement_stream")
                    .put("session_id", job.getString("session_id")).put("agent_id", job.getString("agent_id"))
                    .put("data", new JsonObject().put("thinking", thought(input)));
            JsonObject fin = new JsonObject().put("type", "agent_judgement_final")
                    .put("session_id", job.getString("session_id")).put("agent_id", job.getString("agent_id"))
                    .put("result_code", 0).put("data", new JsonObject().put("judgement", judgement(input)));
            String channel = job.getString("reply_to");
            c.send(Request.cmd(Command.PUBLISH).arg(channel).arg(stream.encode()));
            c.send(Request.cmd(Command.PUBLISH).arg(channel).arg(fin.encode()));
        }

        @Override
        public void close() throws Exception {
            running = false;
            vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
    }

    private static <T> T await(Future<T> f) throws Exception {
        return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    private JudgementTrip() {
    }
}
