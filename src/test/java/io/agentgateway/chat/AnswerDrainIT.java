package io.agentgateway.chat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.agentgateway.testing.RunningGateway;
import io.agentgateway.testing.StandInAgent;
import io.agentgateway.testing.WsClient;
import io.agentgateway.testing.WsClient.Frame;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A gateway that stops lets the answer streaming on it end (it holds no Camel exchange for the graceful shutdown to
 * wait for), and refuses a new one meanwhile.
 */
class AnswerDrainIT {

    @Test
    void anAnswerUnderWayEndsWholeWhileTheGatewayStopsAndNoNewOneBegins() throws Exception {
        List<String> words = new ArrayList<>();
        for (int i = 0; i < 15; i++) {
            words.add("w" + i + " ");
        }
        try (StandInAgent agent = new StandInAgent()) {
            RunningGateway gateway = RunningGateway.builder().agentUrl(agent.url()).start();
            CompletableFuture<Void> stopped = null;
            try (WsClient streaming = gateway.connect("/ws/drain-a"); WsClient late = gateway.connect("/ws/drain-b")) {
                agent.script(StandInAgent.openAi(words, Duration.ofMillis(100)));
                streaming.userMessage("a long answer");
                List<Frame> turn = new ArrayList<>();
                turn.add(streaming.next());
                assertThat(turn.get(0).text("token")).isEqualTo("w0 ");

                stopped = CompletableFuture.runAsync(gateway::close);
                await().atMost(Duration.ofSeconds(5)).until(() -> gateway.context().isStopping());

                Frame refused = late.userMessage("and another").next();
                assertThat(refused.text("error")).contains("stopping");

                turn.addAll(streaming.untilFinal());
                Frame last = turn.get(turn.size() - 1);
                assertThat(last.text("type")).isEqualTo("assistant_message");
                assertThat(last.isFinal()).isTrue();
                assertThat(WsClient.joined(turn)).isEqualTo(String.join("", words));
            } finally {
                if (stopped == null) {
                    gateway.close();
                } else {
                    stopped.get();
                }
            }
        }
    }

    @Test
    void anAnswerThatOutlastsTheWaitEndsWithAFinalThatSaysWhy() throws Exception {
        Logger drainLog = (Logger) LoggerFactory.getLogger(AnswerDrain.class);
        ListAppender<ILoggingEvent> lines = new ListAppender<>();
        lines.start();
        drainLog.addAppender(lines);
        try (StandInAgent agent = new StandInAgent()) {
            RunningGateway gateway = RunningGateway.builder().agentUrl(agent.url())
                    .property("camel.main.shutdown-timeout", "1").start();
            CompletableFuture<Void> stopped = null;
            try (WsClient ws = gateway.connect("/ws/drain-endless")) {
                agent.script(StandInAgent.endless(Duration.ofMillis(50)));
                ws.userMessage("never ends");
                assertThat(ws.next().text("type")).isEqualTo("assistant_message");
                stopped = CompletableFuture.runAsync(gateway::close);
                Frame last;
                do {
                    last = ws.next();
                } while (!last.isFinal());
                assertThat(last.text("type")).isEqualTo("error");
                assertThat(last.text("error")).isEqualTo(AgentStreamEnd.STOPPING);
            } finally {
                if (stopped == null) {
                    gateway.close();
                } else {
                    stopped.get();
                }
            }
        } finally {
            drainLog.detachAppender(lines);
        }
        assertThat(lines.list).extracting(ILoggingEvent::getFormattedMessage).containsExactly(
                "Stopping: waiting up to 1 s for 1 answer streaming to end",
                "Stopping with 1 answer still streaming: it ends with an error final");
    }
}
