package io.agentgateway.http;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Polls of /health while the agent's probe hangs (a host whose connect never completes) do not each wait for it: one
 * probes, the others answer at once with the last result.
 */
class HealthReportTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    @Test
    void whileOneProbeHangsTheOtherPollsAnswerAtOnceWithTheLastResult() throws Exception {
        AtomicInteger probes = new AtomicInteger();
        CountDownLatch probing = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Predicate<URI> hangingProbe = uri -> {
            probes.incrementAndGet();
            probing.countDown();
            try {
                return !release.await(30, TimeUnit.SECONDS); // unreachable once released, as a timed-out connect
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        };
        HealthReport health = new HealthReport(MAPPER, "http://agent.example:8080/v1/chat/completions", false,
                () -> 0, () -> 0, Optional.empty(), hangingProbe);
        ExecutorService pool = Executors.newFixedThreadPool(9);
        try {
            Future<JsonNode> first = pool.submit(() -> poll(health));
            assertThat(probing.await(10, TimeUnit.SECONDS)).isTrue();
            List<Future<JsonNode>> others = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                others.add(pool.submit(() -> poll(health)));
            }
            for (Future<JsonNode> other : others) {
                JsonNode body = other.get(5, TimeUnit.SECONDS); // not held by the hanging probe
                assertThat(body.path("status").asText()).isEqualTo("ok"); // no probe answered yet
            }
            assertThat(first.isDone()).isFalse();
            release.countDown();
            assertThat(first.get(10, TimeUnit.SECONDS).path("status").asText()).isEqualTo("degraded");
            assertThat(probes).hasValue(1);

            // the next poll probes again: nothing is kept beyond the probe under way
            assertThat(poll(health).path("agent").path("reachable").asBoolean()).isFalse();
            assertThat(probes).hasValue(2);
        } finally {
            pool.shutdownNow();
        }
    }

    private static JsonNode poll(HealthReport health) throws Exception {
        Exchange exchange = new DefaultExchange(new DefaultCamelContext());
        health.process(exchange);
        return MAPPER.readTree(exchange.getMessage().getBody(String.class));
    }
}
