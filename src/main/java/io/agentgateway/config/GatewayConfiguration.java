package io.agentgateway.config;

import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.agentgateway.auth.HandshakeGuard;
import io.agentgateway.auth.TokenVerifier;
import io.agentgateway.demo.DemoAgent;
import io.agentgateway.auth.InternalKeyCheck;
import io.agentgateway.http.AsyncPlatformHttpEngine;
import io.agentgateway.http.GatewayHttpServer;
import io.agentgateway.http.HealthReport;
import io.agentgateway.protocol.FrameParser;
import io.agentgateway.protocol.FrameValidator;
import io.agentgateway.protocol.ServerFrames;
import io.agentgateway.queue.ChatJobBuilder;
import io.agentgateway.queue.DemoWorker;
import io.agentgateway.queue.InMemoryQueuedTurns;
import io.agentgateway.queue.QueuedTurns;
import io.agentgateway.queue.InMemoryPendingJudgements;
import io.agentgateway.queue.JudgeSocketLifecycle;
import io.agentgateway.queue.JudgementStarter;
import io.agentgateway.queue.PendingJudgements;
import io.agentgateway.queue.QueueJobs;
import io.agentgateway.queue.QueueReplies;
import io.agentgateway.routes.FailureReplier;
import io.agentgateway.session.ConversationHistory;
import io.agentgateway.session.InMemoryConversationHistory;
import io.agentgateway.session.InMemorySessionRegistry;
import io.agentgateway.session.SessionRegistry;
import io.agentgateway.session.SessionReplies;
import io.agentgateway.session.SocketLifecycle;
import io.agentgateway.stream.AgentFailures;
import io.agentgateway.stream.AgentRequestBuilder;
import io.agentgateway.stream.AgentStreamRelay;
import io.agentgateway.stream.InMemoryStreamRegistry;
import io.agentgateway.stream.StreamRegistry;
import io.agentgateway.stream.TurnControl;
import io.agentgateway.tool.InMemoryPendingToolCalls;
import io.agentgateway.tool.PendingToolCalls;
import io.agentgateway.tool.ToolCallAwait;
import io.agentgateway.tool.ToolCallDispatcher;
import io.agentgateway.tool.ToolRequestParser;
import io.agentgateway.tool.ToolResults;
import io.agentgateway.ws.GatewayWebsocketComponent;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.Configuration;
import org.apache.camel.component.http.HttpComponent;
import org.apache.camel.component.platform.http.PlatformHttpConstants;
import org.apache.camel.component.platform.http.spi.PlatformHttpEngine;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpServerConfiguration;
import org.apache.camel.spi.PropertiesComponent;
import org.apache.camel.spi.Registry;
import org.apache.camel.support.service.ServiceSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wires the gateway: reads and checks the settings, binds the state beans (in-memory implementations) and the
 * processors the routes refer to by name, and starts the one HTTP server.
 */
@Configuration
public class GatewayConfiguration implements CamelConfiguration {

    private static final Logger LOG = LoggerFactory.getLogger(GatewayConfiguration.class);

    @Override
    public void configure(CamelContext context) throws Exception {
        PropertiesComponent properties = context.getPropertiesComponent();
        GatewaySettings settings = GatewaySettings.load(properties);
        if (settings.usesDemoAgent() && settings.port() == 0) {
            throw new InvalidConfigurationException("PORT (gateway.http.port) = '0' cannot be used with the built-in "
                    + "demo agent, which is called on the gateway's own port: set PORT or GATEWAY__AGENT_URL");
        }
        // values the YAML routes use, derived from the settings
        properties.addOverrideProperty("gateway.agent.endpoint", settings.agentEndpoint());
        properties.addOverrideProperty("gateway.agent.timeout-ms", Long.toString(settings.requestTimeout().toMillis()));
        properties.addOverrideProperty("gateway.demo-agent.enabled", Boolean.toString(settings.usesDemoAgent()));
        boolean redisOn = settings.redis().isPresent();
        GatewaySettings.Redis redis = settings.redis()
                .orElse(new GatewaySettings.Redis("localhost", 6379, 0, Optional.empty()));
        properties.addOverrideProperty("gateway.redis.enabled", Boolean.toString(redisOn));
        properties.addOverrideProperty("gateway.redis.uri", "spring-redis://" + redis.host() + ":" + redis.port());
        properties.addOverrideProperty("gateway.queue.reply-channel", settings.replyChannel());
        properties.addOverrideProperty("gateway.queue.enqueue-endpoint",
                redisOn ? "direct:redis-enqueue" : "direct:memory-enqueue");
        properties.addOverrideProperty("gateway.queue.publish-endpoint",
                redisOn ? "direct:redis-publish" : "direct:queue-reply");
        properties.addOverrideProperty("gateway.chat.backend-endpoint",
                settings.chatViaQueue() ? "direct:chat-queue" : "direct:chat-http");
        properties.addOverrideProperty("gateway.demo-worker.memory", Boolean.toString(settings.demoWorker() && !redisOn));
        properties.addOverrideProperty("gateway.demo-worker.redis", Boolean.toString(settings.demoWorker() && redisOn));

        if (settings.debug()) {
            ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger("io.agentgateway"))
                    .setLevel(ch.qos.logback.classic.Level.DEBUG);
        }
        if (settings.fixedSecret().isEmpty()) {
            LOG.warn("FIXED_SECRET is not set: WebSocket authentication is OFF and anyone can connect");
        }
        if (settings.internalApiKey().isEmpty()) {
            LOG.warn("GATEWAY__INTERNAL_API_KEY is not set: POST /tool/execute refuses every call");
        }
        LOG.info(redisOn ? "Queues: Redis at {}:{} (db {}), replies on {}" : "Queues: in-process (REDIS_HOST is not set)",
                redis.host(), redis.port(), redis.db(), settings.replyChannel());
        if (settings.usesDemoAgent()) {
            LOG.info("GATEWAY__AGENT_URL is not set: answering with the built-in demo agent at {}",
                    settings.agentEndpoint());
        }

        Registry registry = context.getRegistry();
        // One Vert.x for the HTTP server, the WebSocket component and timers. Platform-http runs route processing
        // on its worker pool, where each demo answer holds a thread: leave room for the other requests.
        Vertx vertx = Vertx.vertx(new VertxOptions().setWorkerPoolSize(32 + settings.demoMaxStreams()));
        registry.bind("vertx", Vertx.class, vertx);
        context.addService(new VertxCloser(vertx));

        ObjectMapper mapper = new ObjectMapper();
        ServerFrames frames = new ServerFrames(mapper);
        AgentFailures failures = new AgentFailures(settings.requestTimeout());
        SessionRegistry sessions = new InMemorySessionRegistry();
        StreamRegistry streams = new InMemoryStreamRegistry();
        ConversationHistory history = new InMemoryConversationHistory(settings.historyMaxMessages());
        PendingToolCalls toolCalls = new InMemoryPendingToolCalls(vertx, settings.toolMaxPending());
        PendingJudgements judgements = new InMemoryPendingJudgements(vertx, mapper);
        SessionRegistry judgementSockets = new InMemorySessionRegistry();
        RedisBeans redisBeans = RedisBeans.create(redis);
        redisBeans.bind(registry);
        if (redisOn) {
            context.addService(redisBeans.lifecycle());
        }

        registry.bind("gatewaySettings", settings);
        registry.bind("jsonMapper", mapper);
        registry.bind("sessionRegistry", SessionRegistry.class, sessions);
        registry.bind("streamRegistry", StreamRegistry.class, streams);
        registry.bind("conversationHistory", ConversationHistory.class, history);
        registry.bind("pendingToolCalls", PendingToolCalls.class, toolCalls);
        registry.bind("pendingJudgements", PendingJudgements.class, judgements);

        registry.bind("socketLifecycle", new SocketLifecycle(sessions, streams, history, toolCalls));
        registry.bind("frameValidator", new FrameValidator(new FrameParser(mapper, FrameParser.CHAT_TYPES)));
        registry.bind("turnControl", new TurnControl(sessions, streams, frames, settings.agentMaxStreams()));
        registry.bind("agentRequestBuilder", new AgentRequestBuilder(mapper, history, settings.agentModel()));
        registry.bind("agentStreamRelay", new AgentStreamRelay(mapper, history));
        registry.bind("sessionReplies", new SessionReplies(sessions));
        registry.bind("failureReplier", new FailureReplier(sessions, frames, failures, judgements));
        registry.bind("healthReport", new HealthReport(mapper, settings, sessions, streams,
                redisOn ? Optional.of(redisBeans.template()) : Optional.empty()));
        registry.bind("judgeSocketLifecycle", new JudgeSocketLifecycle(judgementSockets, judgements));
        registry.bind("judgeFrameValidator", new FrameValidator(
                new FrameParser(mapper, FrameParser.JUDGEMENT_TYPES, settings.judgementMaxAgents())));
        QueueJobs jobs = new QueueJobs(mapper, settings.replyChannel(), Clock.systemUTC());
        registry.bind("judgementStarter", new JudgementStarter(jobs, judgements, settings.judgementTimeout()));
        QueuedTurns queuedTurns = new InMemoryQueuedTurns(vertx, settings.requestTimeout(), history, failures);
        registry.bind("queuedTurns", QueuedTurns.class, queuedTurns);
        registry.bind("chatJobBuilder", new ChatJobBuilder(mapper, jobs, queuedTurns, settings.chatQueueAgent()));
        registry.bind("queueReplies", new QueueReplies(mapper, judgements, queuedTurns));
        registry.bind("demoWorker", new DemoWorker(mapper,
                settings.demoWorkerAgents().stream().map(settings::jobsKey).toList()));
        registry.bind("internalKeyCheck", new InternalKeyCheck(settings.internalApiKey()));
        registry.bind("toolRequestParser", new ToolRequestParser(mapper, sessions, settings.requestTimeout(),
                settings.toolMaxTimeout()));
        registry.bind("toolCallDispatcher", new ToolCallDispatcher(mapper, sessions, toolCalls));
        registry.bind("toolCallAwait", new ToolCallAwait(mapper));
        registry.bind("toolResults", new ToolResults(sessions, toolCalls));
        registry.bind("demoAgent", new DemoAgent(mapper, settings.demoWordDelay(), settings.demoMaxStreams()));

        // Answers block a thread while they read the agent; on Java 21+ with
        // camel.main.virtual-threads-enabled=true this pool makes virtual threads.
        ExecutorService streamPool = context.getExecutorServiceManager().newCachedThreadPool(this, "agent-stream");
        registry.bind("agentStreamPool", ExecutorService.class, streamPool);

        HttpComponent http = context.getComponent("http", HttpComponent.class);
        http.setMaxTotalConnections(settings.agentMaxStreams());
        http.setConnectionsPerRoute(settings.agentMaxStreams());

        // platform-http consumers that hold no thread while a route waits (tool calls)
        AsyncPlatformHttpEngine engine = new AsyncPlatformHttpEngine();
        engine.setCamelContext(context);
        registry.bind(PlatformHttpConstants.PLATFORM_HTTP_ENGINE_NAME, PlatformHttpEngine.class, engine);
        context.addComponent("vertx-websocket", new GatewayWebsocketComponent(settings.wsMaxMessageBytes(), settings.wsIngressThreads()));

        VertxPlatformHttpServerConfiguration server = new VertxPlatformHttpServerConfiguration();
        server.getCors().setEnabled(true);
        server.getCors().setOrigins(settings.corsOrigins().contains("*") ? List.of() : settings.corsOrigins());
        Optional<TokenVerifier> verifier = settings.fixedSecret().map(s -> new TokenVerifier(s, Clock.systemUTC()));
        HandshakeGuard guard = new HandshakeGuard(verifier, settings.corsOrigins());
        context.addService(new GatewayHttpServer(server, settings.host(), settings.port(), settings.wsMaxMessageBytes(),
                List.of(new GatewayHttpServer.Guard(List.of("/ws", "/ws/*"), guard)),
                settings.wsPingInterval(), settings.wsIdleTimeout()));
    }

    /** Closes the shared Vert.x after the server that uses it has stopped. */
    private static final class VertxCloser extends ServiceSupport {
        private final Vertx vertx;

        VertxCloser(Vertx vertx) {
            this.vertx = vertx;
        }

        @Override
        protected void doStop() throws Exception {
            vertx.close().toCompletionStage().toCompletableFuture().get();
        }
    }
}
