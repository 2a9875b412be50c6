package io.agentgateway.ws;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import io.agentgateway.testing.GatewayProcess;
import io.agentgateway.testing.StandInAgent;
import io.agentgateway.testing.WsClient;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A real gateway process's thread count (Linux's /proc/PID/status) stays flat from idle through a wave of sockets
 * streaming answers at once, and through idle seconds after: no thread per stream, and no pool that starts a thread
 * per task until full (a wave of opens filled 48 lane threads that had nothing to wait for; a once-a-second check on
 * Vert.x's fixed worker pool grew it by a thread a second).
 */
class ThreadCountIT {

    private static final int SOCKETS = 200;
    private static final int TOKENS = 20;
    /** threads the JVM itself may add under load (a G1 refinement thread, a compiler thread) */
    private static final int JVM_SLACK = 4;

    @Test
    void aWaveOfStreamingSocketsAndIdleSecondsAddNoThreads() throws Exception {
        assumeTrue(Files.isReadable(Path.of("/proc/self/status")), "counts threads through Linux's /proc");
        try (StandInAgent agent = new StandInAgent()) {
            agent.script(StandInAgent.openAi(IntStream.range(0, TOKENS).mapToObj(i -> "t" + i + " ").toList(),
                    Duration.ofMillis(50)));
            try (GatewayProcess gateway = GatewayProcess.start("threads",
                    Map.of("GATEWAY__AGENT_URL", agent.url()))) {
                Path status = Path.of("/proc", Long.toString(gateway.pid()), "status");
                // one turn first: what starts at the first agent call (its connection's event loop) is not load
                try (WsClient first = gateway.connect("/ws/threads-first")) {
                    assertThat(first.userMessage("warm").untilFinal()).isNotEmpty();
                }
                int idle = threads(status);

                List<WsClient> clients = Collections.synchronizedList(new ArrayList<>());
                int peak = idle;
                try {
                    for (int i = 0; i < SOCKETS; i++) {
                        clients.add(gateway.connect("/ws/threads-" + i).userMessage("hello " + i));
                        peak = Math.max(peak, threads(status));
                    }
                    for (WsClient client : clients) {
                        // the finals come while the sample below is taken between sockets
                        List<WsClient.Frame> turn = client.untilFinal();
                        assertThat(WsClient.joined(turn)).isEqualTo(String.join("",
                                IntStream.range(0, TOKENS).mapToObj(i -> "t" + i + " ").toList()));
                        peak = Math.max(peak, threads(status));
                    }
                } finally {
                    clients.forEach(WsClient::close);
                }
                assertThat(peak).as("threads at the peak, %d at idle", idle).isLessThanOrEqualTo(idle + JVM_SLACK);

                // idle seconds: a periodic task must not grow a pool either
                long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(4);
                int later = idle;
                while (System.nanoTime() < until) {
                    later = Math.max(later, threads(status));
                    Thread.sleep(200); // sampling a count over a span of time: nothing to wait on
                }
                assertThat(later).as("threads over 4 idle seconds, %d at idle", idle)
                        .isLessThanOrEqualTo(idle + JVM_SLACK);
            }
        }
    }

    private static int threads(Path status) throws IOException {
        return Files.readAllLines(status).stream().filter(line -> line.startsWith("Threads:"))
                .mapToInt(line -> Integer.parseInt(line.substring("Threads:".length()).strip()))
                .findFirst().orElseThrow();
    }
}
