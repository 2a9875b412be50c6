package io.agentgateway.chat;

import java.time.Duration;
import java.util.List;

import io.agentgateway.testing.RunningGateway;
import io.agentgateway.testing.WsClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A turn whose next route is not running (as while the gateway stops) ends at once with an error final, rather than
 * waiting for the route as Camel's direct: component does by default (30 s); the socket and the gateway go on.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StoppedRouteIT {

    private RunningGateway gateway;

    @BeforeAll
    void start() throws Exception {
        gateway = RunningGateway.builder().start();
    }

    @AfterAll
    void stop() {
        gateway.close();
    }

    @Test
    void aTurnWhoseRouteIsStoppedEndsAtOnceWithAnError() throws Exception {
        try (WsClient ws = gateway.connect("/ws/stopped-route")) {
            gateway.context().getRouteController().stopRoute("chat-stream");
            long started = System.nanoTime();
            List<WsClient.Frame> turn = ws.userMessage("hello?").untilFinal(Duration.ofSeconds(10));
            Duration took = Duration.ofNanos(System.nanoTime() - started);
            assertThat(turn).singleElement().satisfies(f -> assertThat(f.text("type")).isEqualTo("error"));
            assertThat(took).as("no wait for the stopped route").isLessThan(Duration.ofSeconds(3));

            gateway.context().getRouteController().startRoute("chat-stream");
            List<WsClient.Frame> next = ws.userMessage("and now?").untilFinal();
            assertThat(next.get(next.size() - 1).text("type")).isNotEqualTo("error");
            assertThat(ws.closed()).isNotDone();
        }
    }
}
