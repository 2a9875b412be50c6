package io.agentgateway.chat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import io.agentgateway.common.GatewayHeaders;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;

/**
 * Body for the agent: an OpenAI-compatible chat-completions request ({@code model}, {@code messages} with the
 * session's earlier turns, {@code stream: true}) plus the {@code session_id}, as UTF-8 bytes.
 */
public class AgentRequestBuilder implements Processor {

    /** UTF-8 with characters beyond the BMP (emoji) written as themselves, not as escaped surrogate pairs */
    private final ObjectWriter writer;
    private final ConversationHistory history;
    private final String model;

    public AgentRequestBuilder(ObjectMapper mapper, ConversationHistory history, String model) {
        this.writer = mapper.writer().with(JsonWriteFeature.COMBINE_UNICODE_SURROGATES_IN_UTF8);
        this.history = history;
        this.model = model;
    }

    @Override
    public void process(Exchange exchange) throws Exception {
        Turn turn = exchange.getProperty(GatewayHeaders.TURN, Turn.class);
        // written field by field as the bytes the request sends: no tree, no String to encode again
        ByteArrayOutputStream json = new ByteArrayOutputStream(256);
        try (JsonGenerator body = writer.createGenerator(json, JsonEncoding.UTF8)) {
            body.writeStartObject();
            body.writeStringField("model", model);
            body.writeArrayFieldStart("messages");
            for (ChatMessage m : history.get(turn.sessionId())) {
                message(body, m.role(), m.content());
            }
            message(body, "user", turn.userContent());
            body.writeEndArray();
            body.writeBooleanField("stream", true);
            body.writeStringField("session_id", turn.sessionId());
            body.writeEndObject();
        }
        exchange.getMessage().setBody(json.toByteArray());
    }

    private static void message(JsonGenerator body, String role, String content) throws IOException {
        body.writeStartObject();
        body.writeStringField("role", role);
        body.writeStringField("content", content);
        body.writeEndObject();
    }
}
