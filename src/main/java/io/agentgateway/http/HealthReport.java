package io.agentgateway.http;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.function.IntSupplier;
import java.util.function.Predicate;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.agentgateway.common.HttpReplies;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;

/**
 * {@code GET /health}: always 200 while the process serves; {@code status} is {@code ok}, or {@code degraded} when
 * the agent's host does not accept a TCP connection or the queue's Redis does not answer PING.
 * <p>
 * One request at a time probes the agent; requests that come meanwhile answer with the last probe's result. A host
 * whose connect hangs makes a probe take its whole timeout, on a worker thread, and /health is polled often (load
 * balancers, liveness and readiness checks): each poll holding a worker for that long could take the pool that the
 * WebSocket handshakes' checks also use.
 */
public class HealthReport implements Processor {

    private static final int PROBE_TIMEOUT_MS = 1000;

    private final ObjectMapper mapper;
    private final String agentUrl;
    private final boolean demoAgent;
    private final IntSupplier sessions;
    private final IntSupplier streams;
    private final Optional<BooleanSupplier> redisUp;
    private final Predicate<URI> probe;
    private final AtomicBoolean probing = new AtomicBoolean();
    /** the last probe's answer; up until the first has come, the agent counts as reachable */
    private volatile boolean agentReachable = true;

    /**
     * @param agentUrl  the URL the agent-http route calls
     * @param demoAgent true when that is the built-in demo agent
     * @param sessions  chat sessions held on this instance
     * @param streams   answers streaming on this instance
     * @param redisUp   whether the queue's Redis answers PING and the replies are subscribed (blocking), with Redis
     */
    public HealthReport(ObjectMapper mapper, String agentUrl, boolean demoAgent, IntSupplier sessions,
                        IntSupplier streams, Optional<BooleanSupplier> redisUp) {
        this(mapper, agentUrl, demoAgent, sessions, streams, redisUp, HealthReport::reachable);
    }

    /** @param probe whether the agent's host accepts a connection (blocking) */
    HealthReport(ObjectMapper mapper, String agentUrl, boolean demoAgent, IntSupplier sessions, IntSupplier streams,
                 Optional<BooleanSupplier> redisUp, Predicate<URI> probe) {
        this.probe = probe;
        this.mapper = mapper;
        this.agentUrl = agentUrl;
        this.demoAgent = demoAgent;
        this.sessions = sessions;
        this.streams = streams;
        this.redisUp = redisUp;
    }

    @Override
    public void process(Exchange exchange) throws Exception {
        boolean agentUp = demoAgent || agentReachable();
        Optional<Boolean> redis = redisUp.map(BooleanSupplier::getAsBoolean);
        ObjectNode body = mapper.createObjectNode();
        body.put("status", agentUp && redis.orElse(true) ? "ok" : "degraded");
        ObjectNode agent = body.putObject("agent");
        agent.put("mode", demoAgent ? "demo" : "http");
        agent.put("url", agentUrl);
        agent.put("reachable", agentUp);
        ObjectNode queue = body.putObject("queue");
        queue.put("transport", redis.isPresent() ? "redis" : "in-process");
        redis.ifPresent(up -> queue.put("redis", up ? "up" : "down"));
        body.put("sessions", sessions.getAsInt());
        body.put("streams", streams.getAsInt());
        HttpReplies.json(exchange, 200, mapper.writeValueAsString(body));
    }

    private boolean agentReachable() {
        if (!probing.compareAndSet(false, true)) {
            return agentReachable; // a probe is under way
        }
        try {
            agentReachable = probe.test(URI.create(agentUrl));
            return agentReachable;
        } finally {
            probing.set(false);
        }
    }

    private static boolean reachable(URI uri) {
        int port = uri.getPort() != -1 ? uri.getPort() : "https".equals(uri.getScheme()) ? 443 : 80;
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(uri.getHost(), port), PROBE_TIMEOUT_MS);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
