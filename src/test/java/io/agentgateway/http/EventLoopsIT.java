package io.agentgateway.http;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import io.agentgateway.common.ClientSocket;
import io.agentgateway.session.SessionRegistry;
import io.agentgateway.testing.GatewayWithAgent;
import io.agentgateway.testing.RunningGateway;
import io.agentgateway.testing.StandInAgent;
import io.agentgateway.testing.WsClient;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The server listens on GATEWAY__EVENT_LOOPS event loops: new sockets are handed to each in turn, and each socket's
 * answers stream on its own loop: the agent's bytes are read, decoded and written to the client on that loop, with no
 * hand-over between threads per token.
 */
class EventLoopsIT extends GatewayWithAgent {

    private static final int LOOPS = 3;
    private static final int SOCKETS = 2 * LOOPS;

    @Override
    protected RunningGateway.Builder configure(RunningGateway.Builder builder) {
        return builder.property("gateway.http.event-loops", Integer.toString(LOOPS));
    }

    @Test
    void socketsAreSpreadOverTheEventLoopsAndEachStreamsItsAnswer() throws Exception {
        agent.script(StandInAgent.echo(Duration.ofMillis(1)));
        SessionRegistry sessions = gateway.context().getRegistry().lookupByNameAndType("sessionRegistry",
                SessionRegistry.class);
        List<WsClient> clients = new ArrayList<>();
        try {
            for (int i = 0; i < SOCKETS; i++) {
                WsClient client = gateway.connect("/ws/loops-" + i);
                clients.add(client);
                client.userMessage("hello from socket " + i);
            }
            for (int i = 0; i < SOCKETS; i++) {
                assertThat(WsClient.joined(clients.get(i).untilFinal())).contains("socket " + i);
            }
            List<String> loops = new ArrayList<>();
            for (int i = 0; i < SOCKETS; i++) {
                ClientSocket socket = sessions.find("loops-" + i).orElseThrow();
                CompletableFuture<String> thread = new CompletableFuture<>();
                socket.eventLoop().execute(() -> thread.complete(Thread.currentThread().getName()));
                loops.add(thread.get(10, TimeUnit.SECONDS));
            }
            assertThat(loops).allMatch(name -> name.startsWith("vert.x-eventloop-thread-"));
            Set<String> distinct = loops.stream().collect(Collectors.toSet());
            assertThat(distinct).as("event loops of %s", loops).hasSize(LOOPS);
        } finally {
            clients.forEach(WsClient::close);
        }
    }

    /**
     * The agent call starts on the socket's loop, and Vert.x's pool opens its connection there, so each token is read,
     * decoded and written on the thread that writes the socket. A frame written from any other thread counts in
     * gateway_frames_handed_over_total.
     */
    @Test
    void answersTokensAreWrittenOnTheirSocketsLoopWithoutAHandOverEach() throws Exception {
        List<String> words = StandInAgent.words("one two three four five six seven eight nine ten ".repeat(4).trim());
        agent.script(StandInAgent.openAi(words, Duration.ofMillis(2)));
        double handedOverBefore = handedOver();
        double tokensBefore = PrometheusText.parse(gateway.get("/metrics").body()).value("gateway_tokens_total");
        List<WsClient> clients = new ArrayList<>();
        try {
            for (int i = 0; i < SOCKETS; i++) {
                WsClient client = gateway.connect("/ws/hand-over-" + i);
                clients.add(client);
                client.userMessage("count to forty");
            }
            for (WsClient client : clients) {
                assertThat(WsClient.joined(client.untilFinal())).isEqualTo(String.join("", words));
            }
        } finally {
            clients.forEach(WsClient::close);
        }
        double tokens = PrometheusText.parse(gateway.get("/metrics").body()).value("gateway_tokens_total")
                - tokensBefore;
        assertThat(tokens).isEqualTo((double) SOCKETS * words.size());
        // none measured here; one an answer would still not be one a token
        assertThat(handedOver() - handedOverBefore).as("frames handed over for %s tokens", tokens)
                .isLessThanOrEqualTo(SOCKETS);
    }

    private double handedOver() throws Exception {
        return PrometheusText.parse(gateway.get("/metrics").body()).value("gateway_frames_handed_over_total");
    }
}
