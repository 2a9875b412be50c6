package io.agentgateway.tool;

import io.agentgateway.common.RequestRejected;
import java.time.Duration;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.agentgateway.common.GatewayHeaders;
import io.agentgateway.common.ClientSocket;
import io.agentgateway.session.SessionDirectory;
import io.agentgateway.session.SessionRegistry;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;

/**
 * Checks the body of {@code POST /tool/execute/{session_id}} ({@code name}, {@code arguments}, optional
 * {@code call_id} and {@code timeout_s}) and finds the session's socket; answers 400 or 404 otherwise.
 * Puts the {@link PendingToolCall} to make on the exchange.
 */
public class ToolRequestParser implements Processor {

    static final int MAX_CALL_ID_LENGTH = 200;

    private final ObjectMapper mapper;
    private final SessionRegistry sessions;
    private final SessionDirectory directory;
    private final Duration defaultTimeout;
    private final Duration maxTimeout;

    public ToolRequestParser(ObjectMapper mapper, SessionRegistry sessions, SessionDirectory directory,
                             Duration defaultTimeout, Duration maxTimeout) {
        this.mapper = mapper;
        this.sessions = sessions;
        this.directory = directory;
        this.defaultTimeout = defaultTimeout.compareTo(maxTimeout) > 0 ? maxTimeout : defaultTimeout;
        this.maxTimeout = maxTimeout;
    }

    @Override
    public void process(Exchange exchange) {
        String sessionId = exchange.getMessage().getHeader(GatewayHeaders.SESSION_ID, String.class);
        JsonNode body;
        try {
            String text = exchange.getMessage().getBody(String.class);
            body = text == null || text.isBlank() ? null : mapper.readTree(text);
        } catch (Exception e) {
            throw bad("Body is not valid JSON");
        }
        if (body == null || !body.isObject()) {
            throw bad("Body must be a JSON object");
        }
        JsonNode name = body.get("name");
        if (name == null || !name.isTextual() || name.asText().isBlank()) {
            throw bad("Field 'name' must be a non-empty string");
        }
        JsonNode arguments = body.get("arguments");
        if (arguments == null || arguments.isNull()) {
            arguments = mapper.createObjectNode();
        } else if (!arguments.isObject()) {
            throw bad("Field 'arguments' must be a JSON object");
        }
        String callId = callId(body.get("call_id"));
        Duration timeout = timeout(body.get("timeout_s"));

        String connectionKey;
        ClientSocket socket = sessions.find(sessionId).orElse(null);
        if (socket != null) {
            connectionKey = socket.connectionKey();
        } else {
            // held by another instance (with Redis): the call goes there and waits here
            String holder = directory.holder(sessionId)
                    .orElseThrow(() -> new RequestRejected(404, "No socket open for session " + sessionId));
            exchange.setProperty(GatewayHeaders.REMOTE_HOLDER, holder);
            connectionKey = "instance:" + holder;
        }
        exchange.setProperty(GatewayHeaders.TOOL_CALL, new PendingToolCall(sessionId, callId, name.asText(),
                arguments, timeout, connectionKey));
    }

    private static String callId(JsonNode node) {
        if (node == null || node.isNull()) {
            return UUID.randomUUID().toString();
        }
        if (!node.isTextual() || node.asText().isEmpty() || node.asText().length() > MAX_CALL_ID_LENGTH) {
            throw bad("Field 'call_id' must be a non-empty string of at most " + MAX_CALL_ID_LENGTH + " characters");
        }
        return node.asText();
    }

    private Duration timeout(JsonNode node) {
        if (node == null || node.isNull()) {
            return defaultTimeout;
        }
        if (!node.isNumber() || !(node.asDouble() > 0) || Double.isInfinite(node.asDouble())) {
            throw bad("Field 'timeout_s' must be a number of seconds above 0");
        }
        Duration asked = Duration.ofMillis(Math.max(1, Math.round(Math.min(node.asDouble(), 1e9) * 1000)));
        return asked.compareTo(maxTimeout) > 0 ? maxTimeout : asked;
    }

    private static RequestRejected bad(String message) {
        return new RequestRejected(400, message);
    }
}
