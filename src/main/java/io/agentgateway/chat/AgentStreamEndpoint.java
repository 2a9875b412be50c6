package io.agentgateway.chat;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import org.apache.camel.Consumer;
import org.apache.camel.Processor;
import org.apache.camel.Producer;
import org.apache.camel.support.DefaultEndpoint;

/** One agent URL with its timeouts, and the pooled Vert.x HTTP client its calls share. */
public class AgentStreamEndpoint extends DefaultEndpoint {

    /**
     * @param connectTimeoutMs   TCP connect, and getting a pooled connection
     * @param idleTimeoutMs      silence (no byte) before the answer starts or between two chunks, while reading
     * @param maxConnections     connections to the agent at once
     * @param maxLineBytes       longest line of the agent's stream
     * @param keepAliveTimeoutS  how long an idle connection is kept for reuse; below the agent's own idle close, so
     *                           that no request goes out on a connection the agent is closing
     */
    public record Options(int connectTimeoutMs, long idleTimeoutMs, int maxConnections, int maxLineBytes,
                         int keepAliveTimeoutS) {
    }

    private final String agentUrl;
    /** the agent's URL parsed once (each request copies it): parsing it again per answer showed in the profile */
    private final RequestOptions requestTemplate;
    private final Options options;
    /** where the stream's end goes once the answer is under way; null: the exchange lasts the whole stream */
    private final String streamEndUri;
    private volatile AgentStreamEnd streamEnd;
    private volatile HttpClient client;
    /** an event loop for calls made from no event loop (a call from a socket runs on that socket's loop) */
    private volatile Context fallbackContext;

    AgentStreamEndpoint(String uri, AgentStreamComponent component, String agentUrl, Options options,
                        String streamEndUri) {
        super(uri, component);
        this.agentUrl = agentUrl;
        this.options = options;
        // getting a pooled connection, which may include connecting, is under the connect timeout
        this.requestTemplate = new RequestOptions().setAbsoluteURI(agentUrl)
                .setConnectTimeout(options.connectTimeoutMs());
        this.streamEndUri = streamEndUri;
    }

    @Override
    public AgentStreamComponent getComponent() {
        return (AgentStreamComponent) super.getComponent();
    }

    public String agentUrl() {
        return agentUrl;
    }

    /** A new request to the agent's URL, with the connect timeout; the caller adds the method and headers. */
    RequestOptions newRequest() {
        return new RequestOptions(requestTemplate);
    }

    public Options options() {
        return options;
    }

    Vertx vertx() {
        return getComponent().vertx();
    }

    HttpClient client() {
        return client;
    }

    Context fallbackContext() {
        return fallbackContext;
    }

    /** Null when the exchange lasts the whole stream (no {@code streamEnd} option). */
    AgentStreamEnd streamEnd() {
        return streamEnd;
    }

    @Override
    public Producer createProducer() {
        return new AgentStreamProducer(this, new AgentStreamDecoder(getComponent().mapper()));
    }

    @Override
    public Consumer createConsumer(Processor processor) {
        throw new UnsupportedOperationException("agent-stream only sends: use it in to(...)");
    }

    @Override
    protected void doStart() throws Exception {
        super.doStart();
        Vertx vertx = vertx();
        client = vertx.createHttpClient(
                new HttpClientOptions()
                        .setConnectTimeout(options.connectTimeoutMs())
                        .setKeepAlive(true)
                        .setKeepAliveTimeout(options.keepAliveTimeoutS())
                        // the body is read as it comes; nothing asks for or unpacks compression
                        .setDecompressionSupported(false),
                new PoolOptions().setHttp1MaxSize(options.maxConnections()));
        fallbackContext = vertx.getOrCreateContext();
        if (streamEndUri != null) {
            AgentStreamEnd end = new AgentStreamEnd(getCamelContext().getEndpoint(streamEndUri));
            end.start();
            streamEnd = end;
        }
    }

    @Override
    protected void doStop() throws Exception {
        HttpClient c = client;
        client = null;
        if (c != null) {
            c.close();
        }
        AgentStreamEnd end = streamEnd;
        streamEnd = null;
        if (end != null) {
            end.stop();
        }
        super.doStop();
    }
}
