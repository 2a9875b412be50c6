package io.agentgateway.ws;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import io.agentgateway.testing.GatewayProcess;
import io.agentgateway.testing.StandInAgent;
import io.agentgateway.testing.WsClient;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The tokens of one agent read leave a real gateway process in a few socket writes, each token still a frame of its
 * own: Vert.x flushed every frame written outside the socket's own read, so a chunk of 400 tokens cost 400 write
 * system calls (Linux's /proc/PID/io counts them), which made the flat-out throughput a matter of system calls.
 */
class BurstWritesIT {

    private static final int TOKENS = 400;

    @Test
    void theTokensOfOneAgentChunkLeaveInAFewWritesEachStillItsOwnFrame() throws Exception {
        assumeTrue(Files.isReadable(Path.of("/proc/self/io")), "counts write system calls through Linux's /proc");
        List<String> tokens = IntStream.range(0, TOKENS).mapToObj(i -> "t" + i + " ").toList();
        StringBuilder body = new StringBuilder("data: {\"choices\":[{\"delta\":{\"role\":\"assistant\"}}]}\n\n");
        tokens.forEach(t -> body.append("data: {\"choices\":[{\"delta\":{\"content\":\"").append(t).append("\"}}]}\n\n"));
        body.append("data: [DONE]\n\n");
        try (StandInAgent agent = new StandInAgent()) {
            agent.script(StandInAgent.raw("text/event-stream", body.toString())); // the whole answer in one write
            try (GatewayProcess gateway = GatewayProcess.start("burst", Map.of("GATEWAY__AGENT_URL", agent.url()));
                 WsClient client = gateway.connect("/ws/burst")) {
                Path io = Path.of("/proc", Long.toString(gateway.pid()), "io");
                // a turn first: what the first one starts (the agent's connection, classes, logs) is not the burst
                assertThat(WsClient.joined(client.userMessage("warm").untilFinal())).isEqualTo(String.join("", tokens));

                long before = writes(io);
                List<WsClient.Frame> turn = client.userMessage("burst").untilFinal();
                long writes = writes(io) - before;

                List<WsClient.Frame> tokenFrames = turn.stream().filter(f -> !f.isFinal()).toList();
                assertThat(tokenFrames).as("a client that keeps up gets each token as its own frame").hasSize(TOKENS);
                assertThat(WsClient.joined(turn)).isEqualTo(String.join("", tokens));
                assertThat(writes).as("write system calls for %d token frames", TOKENS).isLessThan(TOKENS / 8);
            }
        }
    }

    private static long writes(Path io) throws IOException {
        return Files.readAllLines(io).stream().filter(line -> line.startsWith("syscw:"))
                .mapToLong(line -> Long.parseLong(line.substring("syscw:".length()).strip()))
                .findFirst().orElseThrow();
    }
}
