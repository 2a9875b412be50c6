package io.agentgateway.http;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.agentgateway.config.GatewaySettings;
import io.agentgateway.session.SessionRegistry;
import io.agentgateway.stream.StreamRegistry;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;

/**
 * {@code GET /health}: always 200 while the process serves; {@code status} is {@code ok}, or {@code degraded} when
 * the agent's host does not accept a TCP connection.
 */
public class HealthReport implements Processor {

    private static final int PROBE_TIMEOUT_MS = 1000;

    private final ObjectMapper mapper;
    private final GatewaySettings settings;
    private final SessionRegistry sessions;
    private final StreamRegistry streams;

    public HealthReport(ObjectMapper mapper, GatewaySettings settings, SessionRegistry sessions, StreamRegistry streams) {
        this.mapper = mapper;
        this.settings = settings;
        this.sessions = sessions;
        this.streams = streams;
    }

    @Override
    public void process(Exchange exchange) throws Exception {
        boolean agentUp = settings.usesDemoAgent() || reachable(URI.create(settings.agentEndpoint()));
        ObjectNode body = mapper.createObjectNode();
        body.put("status", agentUp ? "ok" : "degraded");
        ObjectNode agent = body.putObject("agent");
        agent.put("mode", settings.usesDemoAgent() ? "demo" : "http");
        agent.put("url", settings.agentEndpoint());
        agent.put("reachable", agentUp);
        body.put("sessions", sessions.size());
        body.put("streams", streams.active());
        HttpReplies.json(exchange, 200, mapper.writeValueAsString(body));
    }

    private static boolean reachable(URI uri) {
        int port = uri.getPort() != -1 ? uri.getPort() : "https".equals(uri.getScheme()) ? 443 : 80;
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(uri.getHost(), port), PROBE_TIMEOUT_MS);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
