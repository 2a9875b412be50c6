package io.agentgateway.testing;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import redis.clients.jedis.Jedis;

/**
 * An agent worker outside the gateway that speaks only the documented Redis contract: it BRPOPs jobs from
 * {@code gateway:jobs:<agent_id>} over its own connection and PUBLISHes replies to the job's {@code reply_to}.
 * What it answers is scripted per agent.
 */
public final class TestWorker implements AutoCloseable {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    /** Answers one job by publishing to {@code reply}. */
    @FunctionalInterface
    public interface Script {
        void answer(JsonNode job, Publisher reply) throws Exception;
    }

    /** Publishes to the job's reply channel. */
    @FunctionalInterface
    public interface Publisher {
        void publish(String text);
    }

    private final int port;
    private final String[] keys;
    private final Map<String, Script> scripts = new ConcurrentHashMap<>();
    private final List<JsonNode> jobs = new CopyOnWriteArrayList<>();
    private final Thread thread;
    private volatile boolean running = true;

    public TestWorker(int redisPort, String prefix, List<String> agentIds) {
        this.port = redisPort;
        this.keys = agentIds.stream().map(a -> prefix + "jobs:" + a).toArray(String[]::new);
        agentIds.forEach(a -> scripts.put(a, thinkThenJudge(2)));
        thread = new Thread(this::loop, "test-worker");
        thread.setDaemon(true);
        thread.start();
    }

    public TestWorker script(String agentId, Script script) {
        scripts.put(agentId, script);
        return this;
    }

    /** The jobs taken so far, oldest first. */
    public List<JsonNode> jobs() {
        return jobs;
    }

    private void loop() {
        while (running) {
            try (Jedis take = new Jedis("127.0.0.1", port); Jedis publish = new Jedis("127.0.0.1", port)) {
                while (running) {
                    List<String> popped = take.brpop(1, keys);
                    if (popped == null || popped.isEmpty()) {
                        continue;
                    }
                    JsonNode job = MAPPER.readTree(popped.get(1));
                    jobs.add(job);
                    String channel = job.path("reply_to").asText();
                    scripts.get(job.path("agent_id").asText()).answer(job, text -> publish.publish(channel, text));
                }
            } catch (Exception e) {
                // Redis went away (a test stopped it): try again shortly
                sleep(100);
            }
        }
    }

    // --- scripts -------------------------------------------------------------------------------

    /** {@code thoughts} thinking steps, then a final judgement with result_code 0. */
    public static Script thinkThenJudge(int thoughts) {
        return (job, reply) -> {
            for (int i = 1; i <= thoughts; i++) {
                reply.publish(stream(job, job.path("agent_id").asText() + " thought " + i));
            }
            reply.publish(fin(job, 0, job.path("agent_id").asText() + " judges: "
                                      + job.path("data").path("user_input").asText()));
        };
    }

    /** Thinks once and never sends a final. */
    public static Script silent() {
        return (job, reply) -> reply.publish(stream(job, "hmm"));
    }

    public static String stream(JsonNode job, String thinking) {
        return MAPPER.createObjectNode().put("type", "agent_judgement_stream")
                .put("session_id", job.path("session_id").asText())
                .put("agent_id", job.path("agent_id").asText())
                .set("data", MAPPER.createObjectNode().put("thinking", thinking)).toString();
    }

    public static String fin(JsonNode job, int resultCode, String judgement) {
        var n = MAPPER.createObjectNode().put("type", "agent_judgement_final")
                .put("session_id", job.path("session_id").asText())
                .put("agent_id", job.path("agent_id").asText())
                .put("result_code", resultCode);
        n.set("data", MAPPER.createObjectNode().put("judgement", judgement));
        return n.toString();
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.join(3000);
    }
}
