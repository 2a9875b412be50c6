package io.agentgateway.chat;

import java.util.Map;
import java.util.concurrent.Executor;

import io.agentgateway.common.ClientSocket;
import io.agentgateway.common.GatewayHeaders;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import org.apache.camel.AsyncCallback;
import org.apache.camel.Exchange;
import org.apache.camel.support.DefaultAsyncProducer;

/**
 * Sends the exchange's body to the agent and relays the answer into the exchange's {@link Turn}
 * ({@link GatewayHeaders#TURN}) as it streams, holding no thread: {@link #process(Exchange, AsyncCallback)} returns at
 * once and the exchange completes when the stream ends, fails, falls silent or the turn ends, or, with the endpoint's
 * {@code streamEnd} option, as soon as the agent's answer begins, its end then sent to that endpoint as an exchange of
 * its own (see {@link AgentStream}, {@link AgentStreamEnd}). An exchange completed that way
 * carries {@link GatewayHeaders#AGENT_STREAM_GOES_ON}, so the route after the call leaves the turn to that end.
 * <p>
 * The call runs on the event loop of the client's socket ({@link GatewayHeaders#SOCKET}) when there is one. Vert.x's
 * pool prefers, and opens, agent connections on the caller's event loop, so an agent's bytes usually arrive on the
 * thread that writes the client's frames: a token goes from one to the other with no hand-over.
 * <p>
 * Headers of the message become request headers, except Camel's own ({@code Camel*}); {@code CamelHttpMethod} is the
 * method (POST if unset). The route clears the client's headers first (routes/agent-http.yaml).
 */
final class AgentStreamProducer extends DefaultAsyncProducer {

    private final AgentStreamEndpoint endpoint;
    private final AgentStreamDecoder decoder;

    AgentStreamProducer(AgentStreamEndpoint endpoint, AgentStreamDecoder decoder) {
        super(endpoint);
        this.endpoint = endpoint;
        this.decoder = decoder;
    }

    @Override
    public boolean process(Exchange exchange, AsyncCallback callback) {
        Turn turn = exchange.getProperty(GatewayHeaders.TURN, Turn.class);
        HttpClient client = endpoint.client();
        if (turn == null || client == null) {
            exchange.setException(new IllegalStateException(turn == null
                    ? "agent-stream needs the exchange's turn (property " + GatewayHeaders.TURN + ")"
                    : "agent-stream is stopped"));
            callback.done(true);
            return true;
        }
        if (turn.isFinished()) {
            callback.done(true); // cancelled before the call began
            return true;
        }
        RequestOptions request;
        Buffer body;
        try {
            request = request(exchange);
            byte[] bytes = exchange.getMessage().getBody(byte[].class);
            body = bytes == null ? Buffer.buffer() : Buffer.buffer(bytes);
        } catch (RuntimeException e) {
            exchange.setException(e);
            callback.done(true);
            return true;
        }
        AgentStream stream = new AgentStream(client, endpoint.options(), decoder, turn, endpoint.streamEnd(), exchange,
                callback);
        ClientSocket socket = exchange.getProperty(GatewayHeaders.SOCKET, ClientSocket.class);
        Executor loop = socket != null ? socket.eventLoop() : Runnable::run;
        loop.execute(() -> {
            Context current = Vertx.currentContext();
            if (current != null && current.isEventLoopContext()) {
                stream.start(current, request, body);
            } else {
                Context fallback = endpoint.fallbackContext();
                fallback.runOnContext(v -> stream.start(fallback, request, body));
            }
        });
        return false;
    }

    private RequestOptions request(Exchange exchange) {
        RequestOptions options = endpoint.newRequest();
        String method = exchange.getMessage().getHeader(Exchange.HTTP_METHOD, String.class);
        options.setMethod(method == null ? HttpMethod.POST : HttpMethod.valueOf(method));
        for (Map.Entry<String, Object> header : exchange.getMessage().getHeaders().entrySet()) {
            String name = header.getKey();
            if (header.getValue() != null && !name.regionMatches(true, 0, "Camel", 0, 5)) {
                options.putHeader(name, header.getValue().toString());
            }
        }
        return options;
    }
}
