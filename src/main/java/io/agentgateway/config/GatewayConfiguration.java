package io.agentgateway.config;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.agentgateway.auth.HandshakeGuard;
import io.agentgateway.auth.InternalKeyCheck;
import io.agentgateway.auth.TokenVerifier;
import io.agentgateway.chat.AgentFailures;
import io.agentgateway.chat.AgentRequestBuilder;
import io.agentgateway.chat.AgentStreamComponent;
import io.agentgateway.chat.AnswerDrain;
import io.agentgateway.chat.AnswerLimits;
import io.agentgateway.chat.ChatJobBuilder;
import io.agentgateway.chat.ChatReplies;
import io.agentgateway.chat.ConversationHistory;
import io.agentgateway.chat.InMemoryAnswerLimits;
import io.agentgateway.chat.InMemoryConversationHistory;
import io.agentgateway.chat.InMemoryQueuedTurns;
import io.agentgateway.chat.InMemoryStreamRegistry;
import io.agentgateway.chat.QueuedTurns;
import io.agentgateway.chat.StreamRegistry;
import io.agentgateway.chat.TurnControl;
import io.agentgateway.chat.TurnErrors;
import io.agentgateway.common.GatewayMetrics;
import io.agentgateway.common.Pools;
import io.agentgateway.common.ServerFrames;
import io.agentgateway.demo.DemoAgent;
import io.agentgateway.demo.DemoWorker;
import io.agentgateway.http.AsyncPlatformHttpEngine;
import io.agentgateway.http.GatewayHttpServer;
import io.agentgateway.http.HealthReport;
import io.agentgateway.http.HttpErrors;
import io.agentgateway.judgement.InMemoryPendingJudgements;
import io.agentgateway.judgement.JudgeSocketLifecycle;
import io.agentgateway.judgement.JudgementErrors;
import io.agentgateway.judgement.JudgementReplies;
import io.agentgateway.judgement.JudgementStarter;
import io.agentgateway.judgement.PendingJudgements;
import io.agentgateway.queue.QueueJobs;
import io.agentgateway.queue.QueueReplies;
import io.agentgateway.session.Handovers;
import io.agentgateway.session.InMemorySessionRegistry;
import io.agentgateway.session.InMemorySessionStreams;
import io.agentgateway.session.InstanceRelay;
import io.agentgateway.session.RelayReader;
import io.agentgateway.session.SessionDirectory;
import io.agentgateway.session.StreamStore;
import io.agentgateway.session.SessionListener;
import io.agentgateway.session.SessionRegistry;
import io.agentgateway.session.SessionReplies;
import io.agentgateway.session.SessionStreams;
import io.agentgateway.session.SocketLifecycle;
import io.agentgateway.tool.InMemoryPendingToolCalls;
import io.agentgateway.tool.PendingToolCalls;
import io.agentgateway.tool.RemoteToolCalls;
import io.agentgateway.tool.ToolCallAwait;
import io.agentgateway.tool.ToolCallDispatcher;
import io.agentgateway.tool.ToolCallForwarder;
import io.agentgateway.tool.ToolCallMetrics;
import io.agentgateway.tool.ToolRelay;
import io.agentgateway.tool.ToolRequestParser;
import io.agentgateway.tool.ToolResults;
import io.agentgateway.ws.FrameErrors;
import io.agentgateway.ws.FrameParser;
import io.agentgateway.ws.FrameRate;
import io.agentgateway.ws.FrameValidator;
import io.agentgateway.ws.GatewayWebsocketComponent;
import io.agentgateway.ws.LaneThreads;
import io.agentgateway.ws.ProtocolStrictness;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.impl.VertxBuilder;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.Configuration;
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
 * processors the routes refer to by name, and starts the one HTTP server. Which routes run, and what each
 * placeholder names, is in routes/*.yaml and application.properties, not here.
 */
@Configuration
public class GatewayConfiguration implements CamelConfiguration {

    private static final Logger LOG = LoggerFactory.getLogger(GatewayConfiguration.class);
    /** how long a Vert.x worker thread without work is kept for the next burst */
    private static final Duration IDLE_WORKER_KEPT = Duration.ofSeconds(60);

    @Override
    public void configure(CamelContext context) throws Exception {
        PropertiesComponent properties = context.getPropertiesComponent();
        GatewaySettings settings = GatewaySettings.load(properties);
        if (settings.usesDemoAgent() && settings.port() == 0) {
            throw new InvalidConfigurationException("PORT (gateway.http.port) = '0' cannot be used with the built-in "
                    + "demo agent, which is called on the gateway's own port: set PORT or GATEWAY__AGENT_URL");
        }
        // The three values made at start-up rather than configured (application.properties says so beside each):
        // the agent URL with its demo fallback, a random instance name, and the timeout in the unit agent-stream takes.
        properties.addOverrideProperty("gateway.agent.endpoint", settings.agentEndpoint());
        properties.addOverrideProperty("gateway.instance-id", settings.instanceId());
        properties.addOverrideProperty("gateway.agent.timeout-ms", Long.toString(settings.requestTimeout().toMillis()));
        logStartupFacts(settings);
        UnreadVariables.warnings(System.getenv(), properties.loadProperties()).forEach(LOG::warn);

        Registry registry = context.getRegistry();
        // One Vert.x for the HTTP server, the WebSocket component and timers. Platform-http runs route processing
        // on its worker pool, where each demo answer holds a thread: leave room for the other requests. Its pools
        // start a thread only while the others are busy: Vert.x's own (fixed) pools start one per task until full,
        // so that any periodic or per-request task grew an idle gateway to the pool's size.
        VertxOptions vertxOptions = new VertxOptions().setWorkerPoolSize(32 + settings.demoMaxStreams());
        vertxOptions.setEventLoopPoolSize(Math.max(vertxOptions.getEventLoopPoolSize(), settings.eventLoops()));
        Vertx vertx = new VertxBuilder(vertxOptions)
                .executorServiceFactory((threads, concurrency, maxConcurrency) ->
                        Pools.onDemand(threads, 0, maxConcurrency, IDLE_WORKER_KEPT))
                .init().vertx();
        registry.bind("vertx", Vertx.class, vertx);
        // closed after the server that uses it has stopped
        context.addService(new OnStop(() -> vertx.close().toCompletionStage().toCompletableFuture().get()));
        if (settings.nativeTrim()) {
            NativeMemoryTrim.install(context, vertx);
        }

        ObjectMapper mapper = new ObjectMapper();
        ServerFrames frames = new ServerFrames(mapper);
        registry.bind("gatewaySettings", settings);
        registry.bind("errorHandlingByRouteId", new ErrorHandling.ByRouteId());
        registry.bind("jsonMapper", mapper);

        // Redis, when REDIS_HOST is set: the queues, and what several instances share. Only then is it built (and
        // its client's classes loaded): everything below sees the InstanceSharing interface.
        InstanceSharing sharing = InstanceSharing.ALONE;
        if (settings.redis().isPresent()) {
            sharing = RedisSharing.start(context, vertx, settings, settings.redis().get(), mapper);
        }

        // session: who holds which chat session (here, and with Redis on which instance), and each session's stream
        SessionDirectory directory = sharing.directory();
        InstanceRelay relay = sharing.relay();
        registry.bind("relayReader", new RelayReader(mapper));
        List<SessionListener> onRelease = new ArrayList<>();
        SessionRegistry sessions = new InMemorySessionRegistry();
        StreamStore store = sharing.store();
        // metrics: GET /metrics (Camel's route metrics and the gateway's own); the features see only GatewayMetrics
        StreamRegistry streams = new InMemoryStreamRegistry();
        GatewayMetrics metrics = MetricsBeans.install(context, streams::active,
                settings.metricsRouteExclude());
        InMemorySessionStreams sessionStreams = new InMemorySessionStreams(vertx, frames, settings.sessionBufferBytes(),
                settings.sessionBufferTotalBytes(),
                settings.slowClientTimeout(), settings.sessionTtl(),
                sessionId -> onRelease.forEach(l -> l.sessionExpired(sessionId)), store, sharing.alive(),
                settings.mergedFrameBytes(), metrics::tokensMerged);
        context.addService(new OnStop(sessionStreams::close)); // kept frames live off the heap: give them back
        metrics.keptFrames(sessionStreams::keptBytes, sessionStreams::ringBytes);
        sharing.startHeartbeat(vertx, sessionStreams);
        registry.bind("sessionRegistry", SessionRegistry.class, sessions);
        registry.bind("sessionStreams", SessionStreams.class, sessionStreams);
        registry.bind("sessionReplies", new SessionReplies(sessions, sessionStreams));

        // chat: turns, the agent call, history
        AgentFailures failures = new AgentFailures(settings.requestTimeout());
        ConversationHistory history = sharing.history(
                new InMemoryConversationHistory(settings.historyMaxMessages()));
        AnswerLimits answerLimits = sharing.answerLimits(new InMemoryAnswerLimits(settings.maxAnswersPerApp()));
        TurnControl turnControl = new TurnControl(vertx, streams, sessionStreams, sessions, history, frames,
                new TurnControl.Limits(settings.agentMaxStreams(), answerLimits, settings.maxAnswerBytes(),
                        settings.resumeGrace(), sharing.turnLocks()), metrics, relay);
        QueueJobs jobs = new QueueJobs(mapper, settings.replyChannel(), Clock.systemUTC());
        QueuedTurns queuedTurns = new InMemoryQueuedTurns(vertx, settings.requestTimeout(), failures, metrics);
        registry.bind("streamRegistry", StreamRegistry.class, streams);
        registry.bind("answerLimits", AnswerLimits.class, answerLimits);
        registry.bind("conversationHistory", ConversationHistory.class, history);
        registry.bind("queuedTurns", QueuedTurns.class, queuedTurns);
        registry.bind("turnControl", turnControl);
        registry.bind("agentRequestBuilder", new AgentRequestBuilder(mapper, history, settings.agentModel()));
        registry.bind("chatJobBuilder", new ChatJobBuilder(mapper, jobs, queuedTurns, settings.chatQueueAgent()));
        registry.bind("chatReplies", new ChatReplies(queuedTurns));
        registry.bind("turnErrors", new TurnErrors(failures, metrics));
        // a stopping gateway lets its answers end first: they hold no exchange for Camel's shutdown to wait for
        context.getManagementStrategy().addEventNotifier(new AnswerDrain(streams));
        // routes/agent-http.yaml calls the agent through agent-stream: on this Vert.x, holding no thread per answer
        context.addComponent("agent-stream", new AgentStreamComponent(vertx, mapper));

        // tool: calls from trusted services to a client's socket
        PendingToolCalls toolCalls = new InMemoryPendingToolCalls(vertx, settings.toolMaxPending());
        registry.bind("pendingToolCalls", PendingToolCalls.class, toolCalls);
        registry.bind("internalKeyCheck", new InternalKeyCheck(settings.internalApiKey()));
        RemoteToolCalls remoteToolCalls = new RemoteToolCalls(vertx, relay, mapper);
        registry.bind("toolCallForwarder", new ToolCallForwarder(relay, mapper, settings.instanceId()));
        registry.bind("toolRelay", new ToolRelay(sessions, sessionStreams, toolCalls, remoteToolCalls));
        registry.bind("toolRequestParser", new ToolRequestParser(mapper, sessions, directory, settings.requestTimeout(),
                settings.toolMaxTimeout()));
        registry.bind("toolCallDispatcher", new ToolCallDispatcher(frames, toolCalls));
        registry.bind("toolCallAwait", new ToolCallAwait(mapper, toolCalls));
        registry.bind("toolResults", new ToolResults(toolCalls, remoteToolCalls));
        registry.bind("toolCallMetrics", new ToolCallMetrics(metrics));

        // what a socket letting go of its session ends
        onRelease.add(turnControl);
        onRelease.add((socket, ended) -> {
            toolCalls.failConnection(socket.sessionId(), socket.connectionKey());
            remoteToolCalls.socketClosed(socket.sessionId(), socket.connectionKey());
        });
        Handovers handovers = new Handovers(mapper, sessions, sessionStreams, relay, directory,
                settings.instanceId(), settings.handoverTimeout(),
                // how long a stream asked for may still come: dropping it loses the session, while a holder that
                // died is given up at once anyway (SessionDirectory.responsive)
                max(settings.instanceTtl().multipliedBy(3), Duration.ofSeconds(30)));
        registry.bind("handovers", handovers);
        SocketLifecycle socketLifecycle = new SocketLifecycle(sessions, sessionStreams, onRelease, metrics, directory,
                handovers, store);
        registry.bind("socketLifecycle", socketLifecycle);
        onRelease.add(new SessionListener() {
            @Override
            public void socketReleased(io.agentgateway.common.ClientSocket socket, boolean sessionEnded) {
            }

            @Override
            public void sessionExpired(String sessionId) {
                socketLifecycle.forget(sessionId);
            }
        });

        // judgement: several agents' judgements through the queue
        PendingJudgements judgements = new InMemoryPendingJudgements(vertx, frames, metrics);
        registry.bind("pendingJudgements", PendingJudgements.class, judgements);
        registry.bind("judgeSocketLifecycle", new JudgeSocketLifecycle(judgements));
        registry.bind("judgeFrameValidator", new FrameValidator(
                new FrameParser(mapper, FrameParser.JUDGEMENT_TYPES, settings.judgementMaxAgents())));
        registry.bind("judgementStarter", new JudgementStarter(jobs, judgements, settings.judgementTimeout()));
        registry.bind("judgementReplies", new JudgementReplies(judgements, metrics));
        registry.bind("judgementErrors", new JudgementErrors(judgements, frames));

        // queue: the job/reply contract (the transports are routes/queue-*.yaml)
        registry.bind("queueReplies", new QueueReplies(mapper));

        // demo: the built-in agent and worker
        registry.bind("demoAgent", new DemoAgent(mapper, settings.demoWordDelay(), settings.demoMaxStreams()));
        registry.bind("demoWorker", new DemoWorker(mapper, jobs,
                settings.demoWorkerAgents().stream().map(settings::jobsKey).toList()));

        // ws and http: the edges
        registry.bind("frameValidator", new FrameValidator(new FrameParser(mapper, FrameParser.CHAT_TYPES)));
        registry.bind("frameErrors", new FrameErrors(frames));
        registry.bind("httpErrors", new HttpErrors(frames));
        registry.bind("healthReport", new HealthReport(mapper, settings.agentEndpoint(), settings.usesDemoAgent(),
                sessions::size, streams::active, sharing.redisUp()));
        // platform-http consumers that hold no thread while a route waits (tool calls)
        AsyncPlatformHttpEngine engine = new AsyncPlatformHttpEngine();
        engine.setCamelContext(context);
        registry.bind(PlatformHttpConstants.PLATFORM_HTTP_ENGINE_NAME, PlatformHttpEngine.class, engine);
        context.addComponent("vertx-websocket",
                new GatewayWebsocketComponent(settings.wsMaxMessageBytes(),
                        new LaneThreads(settings.wsIngressThreads(), settings.wsSessionThreads()), metrics,
                        new FrameRate(settings.wsMaxFramesPerSecond(), settings.wsFloodWindow())));

        VertxPlatformHttpServerConfiguration server = new VertxPlatformHttpServerConfiguration();
        server.getCors().setEnabled(true);
        server.getCors().setOrigins(settings.corsOrigins().contains("*") ? List.of() : settings.corsOrigins());
        HandshakeGuard guard = AuthBeans.guard(settings, registry, sharing.claims(sessionStreams),
                sharing::connectionLimits);
        // Started as the context starts, not deferred to the first route's start: it listens from then on and answers
        // 503 until the routes have started (with camel.routecontroller.initial-delay, for that long as well).
        context.addService(new GatewayHttpServer(server, settings.host(), settings.port(), settings.wsMaxMessageBytes(),
                settings.wsSendBufferBytes(), List.of(new GatewayHttpServer.Guard(List.of("/ws", "/ws/*"), guard)),
                new ProtocolStrictness(2 * settings.wsMaxMessageBytes(), settings.wsPingInterval(),
                        settings.wsIdleTimeout())::guarding, settings.eventLoops()), true, true);
    }

    private static void logStartupFacts(GatewaySettings settings) {
        if (settings.debug()) {
            ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger("io.agentgateway"))
                    .setLevel(ch.qos.logback.classic.Level.DEBUG);
        }
        if (settings.fixedSecret().isEmpty() && settings.jwt().isEmpty()) {
            // neither FIXED_SECRET nor a GATEWAY__JWT_* key source
            LOG.warn("FIXED_SECRET is not set: WebSocket authentication is OFF and anyone can connect");
        }
        if (settings.internalApiKey().isEmpty()) {
            LOG.warn("GATEWAY__INTERNAL_API_KEY is not set: POST /tool/execute refuses every call");
        }
        settings.redis().ifPresentOrElse(
                redis -> LOG.info("Queues: Redis at {}:{} (db {}), replies on {}", redis.host(), redis.port(),
                        redis.db(), settings.replyChannel()),
                () -> LOG.info("Queues: in-process (REDIS_HOST is not set)"));
        if (settings.usesDemoAgent()) {
            LOG.info("GATEWAY__AGENT_URL is not set: answering with the built-in demo agent at {}",
                    settings.agentEndpoint());
        }
    }


    /** Runs something as the context stops, after the routes and the services added after it. */
    private static final class OnStop extends ServiceSupport {
        private final Callable<?> stop;

        OnStop(Callable<?> stop) {
            this.stop = stop;
        }

        OnStop(Runnable stop) {
            this(Executors.callable(stop));
        }

        @Override
        protected void doStop() throws Exception {
            stop.call();
        }
    }

    private static Duration max(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }
}
