package io.agentgateway.config;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

import io.agentgateway.auth.PemPublicKey;
import org.apache.camel.spi.PropertiesComponent;

/**
 * The gateway's settings, read once from the property placeholders (application.properties, overridden by
 * environment variables) and checked, so that a bad value stops start-up with one line naming it.
 *
 * @param host              address the HTTP/WebSocket server binds
 * @param port              port of the HTTP/WebSocket server
 * @param debug             more logging
 * @param agentUrl          the agent's chat-completions URL, empty for the built-in demo agent
 * @param agentModel        the {@code model} sent to the agent
 * @param requestTimeout    how long the agent may stay silent before a turn fails
 * @param agentMaxStreams   how many answers may stream at once
 * @param internalApiKey    the key trusted services send in {@code X-Internal-Auth}, empty to refuse them all
 * @param fixedSecret       secret for WebSocket tokens, empty for no WebSocket auth
 * @param corsOrigins       allowed browser origins, {@code *} for any
 * @param wsMaxMessageBytes largest WebSocket message accepted
 * @param wsIngressThreads  the most threads that validate and dispatch client frames
 * @param wsSessionThreads  the most threads that open and close sessions (an open may wait for a handover)
 * @param eventLoops        event loops the HTTP server's connections are spread over
 * @param historyMaxMessages chat messages (user and assistant) kept per session and sent to the agent
 * @param toolMaxTimeout    longest a tool call may wait for the client (caps timeout_s)
 * @param toolMaxPending    tool calls pending at once per session
 * @param demoAgentPath     path the demo agent is served on
 * @param demoWordDelay     pause between the demo agent's words
 * @param demoMaxStreams    answers the demo agent streams at once before it answers 503
 * @param redis             the Redis server, empty for in-process queues
 * @param queuePrefix       prefix of the gateway's Redis keys and channels
 * @param instanceId        this gateway process's name, in its reply and relay channels: see {@link #instanceId(Optional)}
 * @param judgementTimeout  how long an agent may take to send its final judgement
 * @param judgementMaxAgents most agents one judgement request may ask
 * @param demoWorker        whether the built-in demo worker answers judgements
 * @param demoWorkerAgents  agent ids the demo worker serves when jobs are in Redis
 * @param chatViaQueue      chat turns go to the job queue (workers reply with assistant_message) instead of HTTP
 * @param chatQueueAgent    the agent id chat jobs are queued for
 * @param jwt               JWT verification for WebSockets, empty when no JWT key source is configured
 * @param maxConnections    WebSocket connections this instance holds at once; more get HTTP 503
 * @param maxConnectionsPerApp WebSocket connections one identity (appid or JWT sub) holds at once; more get 429
 * @param wsPingInterval    client silence after which a WebSocket is pinged
 * @param wsIdleTimeout     client silence (no byte, no pong) after which a WebSocket is closed with 1001
 * @param resumeGrace       how long an answer streams on after its session's last socket closed (0: abandoned at once)
 * @param sessionTtl        how long a session nobody holds is kept (stream, history, owner)
 * @param sessionBufferBytes frames kept per session for resume, and the most a slow client may fall behind
 * @param mergedFrameBytes  the largest frame that tokens waiting for a slow socket are merged into
 * @param wsSendBufferBytes each connection's kernel send buffer (SO_SNDBUF); 0 leaves the system's (auto-tuned)
 * @param slowClientTimeout how long a socket may make no progress while frames wait for it before it is closed (4008)
 * @param maxAnswerBytes    longest answer; a longer one fails and the agent call is cut off
 * @param instanceTtl       how long after its last heartbeat (Redis) an instance counts as dead
 * @param handoverTimeout   how long a socket opening a session held by another instance waits for its stream
 * @param jsonLogs          logs are JSON lines (chosen by logback at launch, see {@link LogSetup}; checked here)
 * @param maxAnswersPerApp  answers one identity (appid or JWT sub) streams at once on this instance; more are refused
 * @param wsMaxFramesPerSecond messages one WebSocket may send a second (also the burst); more are refused
 * @param wsFloodWindow     how long a WebSocket may keep going over that rate before it is closed with 1008
 * @param relayRetry        with Redis: how long a message to another instance (a forwarded frame, a handover) is
 *                          tried again while Redis is down or that instance is not subscribed
 * @param relayMaxQueued    with Redis: most messages to other instances waiting at once; more are dropped
 * @param metricsRouteExclude routes left out of Camel's per-route metrics (comma-separated ids or patterns)
 * @param sessionBufferTotalMb frames kept by all sessions of this instance together, in MiB; 0: an eighth of the heap
 * @param nativeTrim        the native memory the C library keeps after the JIT compilers freed it goes back to the
 *                          system when they go quiet ({@link NativeMemoryTrim})
 */
public record GatewaySettings(
        String host,
        int port,
        boolean debug,
        Optional<URI> agentUrl,
        String agentModel,
        Duration requestTimeout,
        int agentMaxStreams,
        Optional<String> internalApiKey,
        Optional<String> fixedSecret,
        List<String> corsOrigins,
        int wsMaxMessageBytes,
        int wsIngressThreads,
        int wsSessionThreads,
        int eventLoops,
        int historyMaxMessages,
        Duration toolMaxTimeout,
        int toolMaxPending,
        String demoAgentPath,
        Duration demoWordDelay,
        int demoMaxStreams,
        Optional<Redis> redis,
        String queuePrefix,
        String instanceId,
        Duration judgementTimeout,
        int judgementMaxAgents,
        boolean demoWorker,
        List<String> demoWorkerAgents,
        boolean chatViaQueue,
        String chatQueueAgent,
        Optional<Jwt> jwt,
        int maxConnections,
        int maxConnectionsPerApp,
        Duration wsPingInterval,
        Duration wsIdleTimeout,
        boolean jsonLogs,
        Duration resumeGrace,
        Duration sessionTtl,
        int sessionBufferBytes,
        int mergedFrameBytes,
        int wsSendBufferBytes,
        Duration slowClientTimeout,
        long maxAnswerBytes,
        Duration instanceTtl,
        Duration handoverTimeout,
        int maxAnswersPerApp,
        int wsMaxFramesPerSecond,
        Duration wsFloodWindow,
        Duration relayRetry,
        int relayMaxQueued,
        Optional<String> metricsRouteExclude,
        int sessionBufferTotalMb,
        boolean nativeTrim) {

    /**
     * Bytes of frames all sessions of this instance keep together: the configured MiB, or an eighth of the JVM's
     * largest heap (-Xmx). They are kept in direct memory, up to twice their bytes, which the JVM caps at -Xmx too.
     */
    public long sessionBufferTotalBytes() {
        return sessionBufferTotalMb > 0 ? sessionBufferTotalMb * (1L << 20) : Runtime.getRuntime().maxMemory() / 8;
    }

    /**
     * The configured name with a suffix made at each start ({@code <name>-<8 hex>}), or a random name: a process
     * restarted under the same name is not the one that died, so what the dead one held (its sessions, answer locks,
     * answers streaming into other instances) is seen as dead, never as the new process's.
     */
    static String instanceId(Optional<String> configured) {
        String start = java.util.HexFormat.of().toHexDigits(new java.security.SecureRandom().nextInt());
        return configured.map(name -> name + "-" + start).orElseGet(() -> java.util.UUID.randomUUID().toString());
    }

    /** Where Redis is: REDIS_HOST, REDIS_PORT, REDIS_DB, REDIS_PASSWORD. */
    public record Redis(String host, int port, int db, Optional<String> password) {
    }

    /**
     * How WebSocket JWTs are checked: exactly one key source is set.
     *
     * @param secret        HS256 shared secret (GATEWAY__JWT_SECRET)
     * @param publicKeyPem  PEM text of an RSA or EC P-256 public key (GATEWAY__JWT_PUBLIC_KEY, or the file it names)
     * @param jwksUrl       JWKS endpoint (GATEWAY__JWKS_URL)
     * @param leewaySeconds clock skew allowed on exp and nbf
     * @param audience      the aud a token must carry, empty to not check aud
     */
    public record Jwt(Optional<String> secret, Optional<String> publicKeyPem, Optional<URI> jwksUrl,
                      int leewaySeconds, Optional<String> audience) {
    }

    /** The Redis list an agent's jobs are pushed onto. */
    public String jobsKey(String agentId) {
        return queuePrefix + "jobs:" + agentId;
    }

    /** The channel workers publish this instance's replies to. */
    public String replyChannel() {
        return queuePrefix + "replies:" + instanceId;
    }

    /**
     * The lanes' threads by default without Redis: nothing on a lane waits then (no Redis command, no handover from
     * another instance), so threads beyond the cores would only take turns on them.
     */
    private static int laneThreadsWithoutRedis() {
        return Math.max(2, Runtime.getRuntime().availableProcessors());
    }

    /** Reads and checks every setting. */
    public static GatewaySettings load(PropertiesComponent properties) {
        return load(key -> properties.resolveProperty(key).orElse(""));
    }

    /** Reads and checks every setting; {@code lookup} gives a key's value, "" when unset. */
    public static GatewaySettings load(Function<String, String> lookup) {
        Reader r = new Reader(lookup);
        return new GatewaySettings(
                r.nonBlank("gateway.http.host", "HOST"),
                r.integer("gateway.http.port", "PORT", 0, 65535),
                r.bool("gateway.debug", "DEBUG"),
                r.url("gateway.agent.url", "GATEWAY__AGENT_URL"),
                r.nonBlank("gateway.agent.model", "GATEWAY__AGENT_MODEL"),
                r.seconds("gateway.request-timeout", "GATEWAY__REQUEST_TIMEOUT"),
                r.integer("gateway.agent.max-streams", "GATEWAY__AGENT_MAX_STREAMS", 1, 1_000_000),
                r.optional("gateway.internal-api-key", "GATEWAY__INTERNAL_API_KEY"),
                r.optional("gateway.auth.fixed-secret", "FIXED_SECRET"),
                r.list("gateway.cors.origins", "CORS_ORIGINS"),
                r.integer("gateway.ws.max-message-bytes", "GATEWAY__WS_MAX_MESSAGE_BYTES", 64, 64 * 1024 * 1024),
                r.integerOr("gateway.ws.ingress-threads", "GATEWAY__WS_INGRESS_THREADS",
                        r.redis().isPresent() ? 16 : laneThreadsWithoutRedis(), 1, 1024),
                r.integerOr("gateway.ws.session-threads", "GATEWAY__WS_SESSION_THREADS",
                        r.redis().isPresent() ? 32 : laneThreadsWithoutRedis(), 1, 4096),
                r.integerOr("gateway.http.event-loops", "GATEWAY__EVENT_LOOPS", 1, 1, 1024),
                r.integer("gateway.history.max-messages", "GATEWAY__HISTORY_MAX_MESSAGES", 0, 10_000),
                r.seconds("gateway.tool.max-timeout", "GATEWAY__TOOL_MAX_TIMEOUT"),
                r.integer("gateway.tool.max-pending-per-session", "GATEWAY__TOOL_MAX_PENDING", 1, 100_000),
                r.path("gateway.demo-agent.path"),
                Duration.ofMillis(r.integer("gateway.demo-agent.word-delay-ms", "GATEWAY__DEMO_WORD_DELAY_MS", 0, 60_000)),
                r.integer("gateway.demo-agent.max-streams", "GATEWAY__DEMO_MAX_STREAMS", 1, 10_000),
                r.redis(),
                r.nonBlank("gateway.queue.prefix", "GATEWAY__QUEUE_PREFIX"),
                instanceId(r.optional("gateway.instance-id", "GATEWAY__INSTANCE_ID")),
                r.seconds("gateway.judgement.timeout", "GATEWAY__JUDGEMENT_TIMEOUT"),
                r.integer("gateway.judgement.max-agents", "GATEWAY__JUDGEMENT_MAX_AGENTS", 1, 1000),
                r.autoBool("gateway.demo-worker.enabled", "GATEWAY__DEMO_WORKER", r.redis().isEmpty()),
                r.list("gateway.demo-worker.agents", "GATEWAY__DEMO_WORKER_AGENTS"),
                r.oneOf("gateway.chat.backend", "GATEWAY__CHAT_BACKEND", List.of("http", "queue")).equals("queue"),
                r.nonBlank("gateway.chat.queue-agent", "GATEWAY__CHAT_QUEUE_AGENT"),
                r.jwt(),
                r.integerOr("gateway.ws.max-connections", "GATEWAY__MAX_CONNECTIONS", 20_000, 1, 10_000_000),
                r.integerOr("gateway.ws.max-connections-per-app", "GATEWAY__MAX_CONNECTIONS_PER_APP", 1_000, 1,
                        10_000_000),
                r.seconds("gateway.ws.ping-interval", "GATEWAY__WS_PING_INTERVAL"),
                r.seconds("gateway.ws.idle-timeout", "GATEWAY__WS_IDLE_TIMEOUT"),
                r.optional("gateway.log.format", "GATEWAY__LOG_FORMAT").isPresent()
                        && r.oneOf("gateway.log.format", "GATEWAY__LOG_FORMAT", List.of("text", "json")).equals("json"),
                r.secondsOrZero("gateway.session.resume-grace", "GATEWAY__RESUME_GRACE"),
                r.seconds("gateway.session.ttl", "GATEWAY__SESSION_TTL"),
                r.integer("gateway.session.buffer-bytes", "GATEWAY__SESSION_BUFFER_BYTES", 1024, 1 << 30),
                r.integer("gateway.session.merged-frame-bytes", "GATEWAY__MERGED_FRAME_BYTES", 256, 1 << 30),
                r.integer("gateway.ws.send-buffer-bytes", "GATEWAY__WS_SEND_BUFFER_BYTES", 0, 1 << 30),
                r.seconds("gateway.session.slow-client-timeout", "GATEWAY__SLOW_CLIENT_TIMEOUT"),
                r.integer("gateway.session.max-answer-bytes", "GATEWAY__MAX_ANSWER_BYTES", 1, Integer.MAX_VALUE),
                r.secondsOr("gateway.instance-ttl", "GATEWAY__INSTANCE_TTL", Duration.ofSeconds(10)),
                r.secondsOr("gateway.session.handover-timeout", "GATEWAY__HANDOVER_TIMEOUT", Duration.ofSeconds(2)),
                r.integerOr("gateway.chat.max-answers-per-app", "GATEWAY__MAX_ANSWERS_PER_APP", 100, 1, 1_000_000),
                r.integerOr("gateway.ws.max-frames-per-second", "GATEWAY__WS_MAX_FRAMES_PER_SECOND", 50, 1,
                        1_000_000),
                r.secondsOr("gateway.ws.flood-window", "GATEWAY__WS_FLOOD_WINDOW", Duration.ofSeconds(10)),
                r.secondsOr("gateway.session.relay-retry", "GATEWAY__RELAY_RETRY", Duration.ofSeconds(10)),
                r.integerOr("gateway.session.relay-max-queued", "GATEWAY__RELAY_MAX_QUEUED", 100_000, 1,
                        100_000_000),
                r.optional("gateway.metrics.route-exclude", "GATEWAY__METRICS_ROUTE_EXCLUDE"),
                r.integerOr("gateway.session.buffer-total-mb", "GATEWAY__SESSION_BUFFER_TOTAL_MB", 0, 0, 1 << 20),
                r.autoBool("gateway.memory.native-trim", "GATEWAY__NATIVE_TRIM", true));
    }

    /** The idle timeout must leave room for at least one ping the client can answer. */
    public GatewaySettings {
        if (wsIdleTimeout.compareTo(wsPingInterval) <= 0) {
            throw new InvalidConfigurationException("GATEWAY__WS_IDLE_TIMEOUT (gateway.ws.idle-timeout) = '"
                    + wsIdleTimeout.toMillis() / 1000.0 + "' must be longer than GATEWAY__WS_PING_INTERVAL ("
                    + wsPingInterval.toMillis() / 1000.0 + ")");
        }
    }

    /** The URL the agent-http route calls: the configured agent, or the demo agent on this server. */
    public String agentEndpoint() {
        return agentUrl.map(URI::toString)
                .orElseGet(() -> "http://127.0.0.1:" + port + demoAgentPath);
    }

    public boolean usesDemoAgent() {
        return agentUrl.isEmpty();
    }

    /** Reads one setting at a time and names it in the error when its value is unusable. */
    private record Reader(Function<String, String> lookup) {

        private String raw(String key) {
            return lookup.apply(key).trim();
        }

        private static InvalidConfigurationException invalid(String key, String env, String value, String why) {
            String name = env == null ? key : env + " (" + key + ")";
            return new InvalidConfigurationException(name + " = '" + value + "' " + why);
        }

        String nonBlank(String key, String env) {
            String v = raw(key);
            if (v.isEmpty()) {
                throw invalid(key, env, v, "must not be empty");
            }
            return v;
        }

        Optional<String> optional(String key, String env) {
            String v = raw(key);
            return v.isEmpty() ? Optional.empty() : Optional.of(v);
        }

        int integer(String key, String env, int min, int max) {
            String v = raw(key);
            try {
                int n = Integer.parseInt(v);
                if (n < min || n > max) {
                    throw invalid(key, env, v, "must be between " + min + " and " + max);
                }
                return n;
            } catch (NumberFormatException e) {
                throw invalid(key, env, v, "is not a whole number");
            }
        }

        /** Like {@link #integer}, with {@code fallback} when the key is unset. */
        int integerOr(String key, String env, int fallback, int min, int max) {
            return raw(key).isEmpty() ? fallback : integer(key, env, min, max);
        }

        /** The JWT settings; the secret's and the key's values are never quoted in an error. */
        Optional<Jwt> jwt() {
            Optional<String> secret = optional("gateway.auth.jwt.secret", "GATEWAY__JWT_SECRET");
            Optional<String> publicKey = optional("gateway.auth.jwt.public-key", "GATEWAY__JWT_PUBLIC_KEY");
            Optional<URI> jwksUrl = url("gateway.auth.jwt.jwks-url", "GATEWAY__JWKS_URL");
            int sources = (secret.isPresent() ? 1 : 0) + (publicKey.isPresent() ? 1 : 0) + (jwksUrl.isPresent() ? 1 : 0);
            if (sources == 0) {
                return Optional.empty();
            }
            if (sources > 1) {
                throw new InvalidConfigurationException("GATEWAY__JWT_SECRET, GATEWAY__JWT_PUBLIC_KEY and "
                        + "GATEWAY__JWKS_URL: set only one of them");
            }
            if (secret.isPresent() && secret.get().getBytes(java.nio.charset.StandardCharsets.UTF_8).length < 32) {
                throw new InvalidConfigurationException("GATEWAY__JWT_SECRET (gateway.auth.jwt.secret) must be at "
                        + "least 32 bytes: HS256 needs a 256-bit key");
            }
            Optional<String> pem = publicKey.map(Reader::pemText);
            pem.ifPresent(text -> {
                try {
                    PemPublicKey.parse(text);
                } catch (IllegalArgumentException e) {
                    throw new InvalidConfigurationException("GATEWAY__JWT_PUBLIC_KEY (gateway.auth.jwt.public-key) "
                            + e.getMessage());
                }
            });
            return Optional.of(new Jwt(secret, pem, jwksUrl,
                    integerOr("gateway.auth.jwt.leeway", "GATEWAY__JWT_LEEWAY", 30, 0, 3600),
                    optional("gateway.auth.jwt.audience", "GATEWAY__JWT_AUDIENCE")));
        }

        /** PEM text as given, or read from the file it names. */
        private static String pemText(String value) {
            if (value.startsWith("-----BEGIN")) {
                return value;
            }
            try {
                return java.nio.file.Files.readString(java.nio.file.Path.of(value));
            } catch (java.io.IOException | java.nio.file.InvalidPathException e) {
                throw new InvalidConfigurationException("GATEWAY__JWT_PUBLIC_KEY (gateway.auth.jwt.public-key) is "
                        + "neither PEM text (-----BEGIN ...) nor a readable file: " + value);
            }
        }

        boolean bool(String key, String env) {
            String v = raw(key).toLowerCase();
            return switch (v) {
                case "true", "1", "yes", "on" -> true;
                case "false", "0", "no", "off", "" -> false;
                default -> throw invalid(key, env, v, "must be true or false");
            };
        }

        /** Like {@link #seconds}, and 0 is allowed: it switches the thing off. */
        Duration secondsOrZero(String key, String env) {
            String v = raw(key);
            try {
                if (Double.parseDouble(v) == 0) {
                    return Duration.ZERO;
                }
            } catch (NumberFormatException e) {
                // reported by seconds() below
            }
            return seconds(key, env);
        }

        Duration seconds(String key, String env) {
            String v = raw(key);
            double s;
            try {
                s = Double.parseDouble(v);
            } catch (NumberFormatException e) {
                throw invalid(key, env, v, "is not a number of seconds");
            }
            if (!(s > 0) || Double.isInfinite(s) || s > 86_400) {
                throw invalid(key, env, v, "must be a number of seconds above 0 and at most 86400");
            }
            return Duration.ofMillis(Math.max(1, Math.round(s * 1000)));
        }

        /** Like {@link #seconds}, with {@code fallback} when the key is unset. */
        Duration secondsOr(String key, String env, Duration fallback) {
            return raw(key).isEmpty() ? fallback : seconds(key, env);
        }

        Optional<URI> url(String key, String env) {
            String v = raw(key);
            if (v.isEmpty()) {
                return Optional.empty();
            }
            try {
                URI uri = new URI(v);
                String scheme = uri.getScheme();
                if (scheme == null || !(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null) {
                    throw invalid(key, env, v, "must be an absolute http:// or https:// URL");
                }
                return Optional.of(uri);
            } catch (java.net.URISyntaxException e) {
                throw invalid(key, env, v, "is not a valid URL: " + e.getReason());
            }
        }

        String oneOf(String key, String env, List<String> allowed) {
            String v = raw(key).toLowerCase();
            if (!allowed.contains(v)) {
                throw invalid(key, env, v, "must be one of " + String.join(", ", allowed));
            }
            return v;
        }

        /** "auto" (or empty) means {@code automatic}. */
        boolean autoBool(String key, String env, boolean automatic) {
            String v = raw(key).toLowerCase();
            return v.isEmpty() || v.equals("auto") ? automatic : bool(key, env);
        }

        Optional<Redis> redis() {
            Optional<String> host = optional("redis.host", "REDIS_HOST");
            if (host.isEmpty()) {
                return Optional.empty();
            }
            return Optional.of(new Redis(host.get(), integer("redis.port", "REDIS_PORT", 1, 65535),
                    integer("redis.db", "REDIS_DB", 0, 10_000), optional("redis.password", "REDIS_PASSWORD")));
        }

        List<String> list(String key, String env) {
            String v = raw(key);
            if (v.isEmpty()) {
                return List.of("*");
            }
            return List.of(v.split("\\s*,\\s*"));
        }

        String path(String key) {
            String v = raw(key);
            if (!v.startsWith("/")) {
                throw invalid(key, null, v, "must start with /");
            }
            return v;
        }
    }
}
