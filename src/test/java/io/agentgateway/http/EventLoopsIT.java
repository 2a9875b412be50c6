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
 * answers stream on its own loop.
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
}
