package io.agentgateway.ws;

import io.agentgateway.common.ClientFrame;
import io.agentgateway.common.FrameRejected;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FrameParserTest {

    private final FrameParser parser = new FrameParser(new ObjectMapper(), FrameParser.CHAT_TYPES);

    @Test
    void parsesAUserMessage() {
        assertThat(parser.parse("{\"type\":\"user_message\",\"content\":\"hi\",\"role\":\"user\"}"))
                .isEqualTo(new ClientFrame.UserMessage("hi"));
        assertThat(parser.parse("{\"type\":\"user_message\",\"content\":\"hi\"}"))
                .isEqualTo(new ClientFrame.UserMessage("hi"));
        assertThat(parser.parse("{\"type\":\"cancel\"}")).isEqualTo(new ClientFrame.Cancel());
        ObjectMapper m = new ObjectMapper();
        assertThat(parser.parse("{\"type\":\"tool_result\",\"call_id\":\"c\",\"result\":{\"a\":[1]}}"))
                .isEqualTo(new ClientFrame.ToolResult("c", m.createObjectNode().set("a", m.createArrayNode().add(1)), null));
        assertThat(parser.parse("{\"type\":\"tool_result\",\"call_id\":\"c\",\"result\":null}"))
                .isEqualTo(new ClientFrame.ToolResult("c", m.nullNode(), null));
        assertThat(parser.parse("{\"type\":\"tool_result\",\"call_id\":\"c\",\"error\":\"denied\"}"))
                .isEqualTo(new ClientFrame.ToolResult("c", null, "denied"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "not json                                          | Invalid message: not valid JSON",
        "{\"type\":                                        | Invalid message: not valid JSON",
        "[1,2]                                             | Invalid message: expected a JSON object",
        "\"text\"                                          | Invalid message: expected a JSON object",
        "{}                                                | Invalid message: missing field 'type'",
        "{\"type\":7}                                      | Invalid message: field 'type' must be a string",
        "{\"type\":\"dance\"}                              | Unsupported message type: dance",
        "{\"type\":\"agent_judgement\"}                    | Unsupported message type: agent_judgement",
        "{\"type\":\"user_message\"}                       | Invalid user_message: missing field 'content'",
        "{\"type\":\"user_message\",\"content\":5}         | Invalid user_message: field 'content' must be a string",
        "{\"type\":\"user_message\",\"content\":\" \"}     | Invalid user_message: field 'content' must not be empty",
        "{\"type\":\"user_message\",\"content\":\"a\",\"role\":\"system\"} | Invalid user_message: field 'role' must be \"user\"",
        "{\"type\":\"user_message\",\"content\":\"a\",\"role\":1} | Invalid user_message: field 'role' must be a string",
        "{\"type\":\"tool_result\",\"result\":1}           | Invalid tool_result: missing field 'call_id'",
        "{\"type\":\"tool_result\",\"call_id\":\"\",\"result\":1} | Invalid tool_result: field 'call_id' must not be empty",
        "{\"type\":\"tool_result\",\"call_id\":\"c\"}     | Invalid tool_result: exactly one of 'result' and 'error'",
        "{\"type\":\"tool_result\",\"call_id\":\"c\",\"result\":1,\"error\":\"e\"} | Invalid tool_result: exactly one of",
        "{\"type\":\"tool_result\",\"call_id\":\"c\",\"error\":5} | Invalid tool_result: field 'error' must be a string",
    })
    void refusesWithAMessageThatSaysWhatIsWrong(String frame, String error) {
        assertThatThrownBy(() -> parser.parse(frame.strip()))
                .isInstanceOf(FrameRejected.class)
                .message().startsWith(error.strip());
    }

    @Test
    void refusesBinaryFrames() {
        assertThatThrownBy(() -> parser.parse(new byte[] {'{', '}'}))
                .isInstanceOf(FrameRejected.class)
                .hasMessage("Binary frames are not supported: send JSON as a text frame");
    }
}
