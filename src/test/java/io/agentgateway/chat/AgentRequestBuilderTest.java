package io.agentgateway.chat;

import java.nio.charset.StandardCharsets;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.agentgateway.common.GatewayHeaders;
import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The agent's request body: chat-completions JSON with the history, in UTF-8, whatever the text holds. */
class AgentRequestBuilderTest {

    private final ObjectMapper mapper = new ObjectMapper();

    @Test
    void theHistoryThenTheQuestionAsUtf8Json() throws Exception {
        InMemoryConversationHistory history = new InMemoryConversationHistory(10);
        history.append("s-é", new ChatMessage("user", "first"), new ChatMessage("assistant", "ok \"quoted\"\n"));
        String question = "é, 中文, 😀, \\ and \u0001";
        Turn turn = TurnMetricsTest.quietTurn("s-é", question, new TurnMetricsTest.QuietStream(), true,
                (t, answer, then) -> then.run(), new TurnMetricsTest.Recording());
        Exchange exchange = new DefaultExchange(new DefaultCamelContext());
        exchange.setProperty(GatewayHeaders.TURN, turn);

        new AgentRequestBuilder(mapper, history, "gpt-test").process(exchange);

        byte[] body = exchange.getMessage().getBody(byte[].class);
        assertThat(mapper.readTree(body)).isEqualTo(mapper.readTree(
                "{\"model\":\"gpt-test\",\"messages\":[{\"role\":\"user\",\"content\":\"first\"},"
                + "{\"role\":\"assistant\",\"content\":\"ok \\\"quoted\\\"\\n\"},"
                + "{\"role\":\"user\",\"content\":" + mapper.writeValueAsString(question) + "}],"
                + "\"stream\":true,\"session_id\":\"s-é\"}"));
        // the very text the request was before it was written as bytes (a tree's writeValueAsString)
        assertThat(new String(body, StandardCharsets.UTF_8)).contains("中文, 😀")
                .isEqualTo(mapper.writeValueAsString(mapper.readTree(body)));
    }
}
