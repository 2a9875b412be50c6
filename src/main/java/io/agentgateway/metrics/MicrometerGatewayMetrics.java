package io.agentgateway.metrics;

import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;

import io.agentgateway.common.GatewayMetrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * {@link GatewayMetrics} on Micrometer. Every meter is registered up front, so recording is an array index and an
 * atomic add, never a lookup by tag (tool-call statuses outside the documented set are the one exception: rare).
 * Names are Micrometer's dotted form; the Prometheus registry writes them as {@code gateway_tokens_total},
 * {@code gateway_time_to_first_token_seconds_bucket}, ...
 */
public final class MicrometerGatewayMetrics implements GatewayMetrics {

    /**
     * Histogram bucket bounds for token timing: explicit service-level objectives from 5 ms (tokens of a fast local
     * model) to 30 s (a first token behind a long tool run or a cold model), not Micrometer's percentiles.
     */
    public static final List<Duration> TOKEN_BUCKETS = List.of(
            Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50),
            Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1),
            Duration.ofMillis(2500), Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(30));

    /** The statuses the tool endpoint documents (README), registered up front so each shows from the start. */
    static final int[] TOOL_STATUSES = {200, 400, 401, 404, 409, 410, 429, 500, 502, 504};

    private final MeterRegistry registry;
    private final EnumMap<Socket, AtomicInteger> sockets = new EnumMap<>(Socket.class);
    private final Counter[] answers;
    private final Counter[] agentErrors;
    private final Counter[] judgementReplies;
    private final Counter tokens;
    private final Timer timeToFirstToken;
    private final Timer interToken;
    private final Map<Integer, Counter> toolCalls = new ConcurrentHashMap<>();
    private final Counter resumedRecovered;
    private final Counter resumedLost;
    private final Counter mergedFrames;
    private final Counter mergedTokenFrames;
    private final Counter handedOverFrames;

    /** @param activeAnswers answers streaming on this instance right now */
    public MicrometerGatewayMetrics(MeterRegistry registry, IntSupplier activeAnswers) {
        this.registry = registry;
        for (Socket s : Socket.values()) {
            AtomicInteger open = new AtomicInteger();
            sockets.put(s, open);
            Gauge.builder("gateway.websocket.connections", open, AtomicInteger::get)
                    .description("WebSockets open on this instance")
                    .tag("endpoint", label(s))
                    .register(registry);
        }
        Gauge.builder("gateway.answers.active", activeAnswers, IntSupplier::getAsInt)
                .description("Answers streaming on this instance")
                .strongReference(true) // Micrometer holds gauge objects weakly, and nothing else holds this lambda
                .register(registry);
        answers = counters("gateway.answers", "Answers ended, by how they ended", "outcome", AnswerOutcome.values());
        agentErrors = counters("gateway.agent.errors", "Answers failed, by cause", "kind", AgentError.values());
        judgementReplies = counters("gateway.judgement.replies",
                "Judgement frames relayed to sockets: worker stream and final replies, and the gateway's timeout finals",
                "type", JudgementReply.values());
        tokens = Counter.builder("gateway.tokens").description("Tokens relayed to clients").register(registry);
        timeToFirstToken = tokenTimer("gateway.time.to.first.token",
                "From the user's message to the first token of its answer");
        interToken = tokenTimer("gateway.inter.token", "Between consecutive tokens of one answer");
        for (int status : TOOL_STATUSES) {
            toolCall(status);
        }
        resumedRecovered = resumes(true);
        resumedLost = resumes(false);
        mergedFrames = Counter.builder("gateway.merged.frames")
                .description("Frames that carried several tokens merged for a socket that fell behind")
                .register(registry);
        mergedTokenFrames = Counter.builder("gateway.merged.tokens")
                .description("Token frames merged into those frames").register(registry);
        handedOverFrames = Counter.builder("gateway.frames.handed.over")
                .description("Frames queued to a client's socket from a thread other than its event loop")
                .register(registry);
    }

    @Override
    public void socketOpened(Socket socket) {
        sockets.get(socket).incrementAndGet();
    }

    @Override
    public void socketClosed(Socket socket) {
        sockets.get(socket).decrementAndGet();
    }

    @Override
    public void token(boolean first, long nanosSinceMessageOrPreviousToken) {
        tokens.increment();
        (first ? timeToFirstToken : interToken).record(nanosSinceMessageOrPreviousToken, TimeUnit.NANOSECONDS);
    }

    @Override
    public void answerEnded(AnswerOutcome outcome) {
        answers[outcome.ordinal()].increment();
    }

    @Override
    public void agentError(AgentError kind) {
        agentErrors[kind.ordinal()].increment();
    }

    @Override
    public void toolCallAnswered(int status) {
        toolCall(status).increment();
    }

    @Override
    public void judgementReply(JudgementReply type) {
        judgementReplies[type.ordinal()].increment();
    }

    @Override
    public void resumed(boolean recovered) {
        (recovered ? resumedRecovered : resumedLost).increment();
    }

    @Override
    public void keptFrames(LongSupplier keptBytes, LongSupplier heldBytes) {
        Gauge.builder("gateway.session.frames.kept", keptBytes, LongSupplier::getAsLong)
                .description("Bytes of frames the sessions on this instance keep for resume")
                .baseUnit("bytes")
                .strongReference(true)
                .register(registry);
        Gauge.builder("gateway.session.frames.memory", heldBytes, LongSupplier::getAsLong)
                .description("Direct (off-heap) memory the rings of kept frames hold, up to twice what they keep")
                .baseUnit("bytes")
                .strongReference(true)
                .register(registry);
    }

    @Override
    public void tokensMerged(int frames) {
        mergedFrames.increment();
        mergedTokenFrames.increment(frames);
    }

    @Override
    public void frameHandedOver() {
        handedOverFrames.increment();
    }

    private Counter toolCall(int status) {
        return toolCalls.computeIfAbsent(status, s -> Counter.builder("gateway.tool.calls")
                .description("Answers of POST /tool/execute, by HTTP status")
                .tag("status", Integer.toString(s))
                .register(registry));
    }

    private Counter resumes(boolean recovered) {
        return Counter.builder("gateway.resumes")
                .description("Reconnections with last_seq, by whether the missed frames could be sent")
                .tag("recovered", Boolean.toString(recovered))
                .register(registry);
    }

    private Counter[] counters(String name, String description, String tag, Enum<?>[] values) {
        Counter[] out = new Counter[values.length];
        for (Enum<?> v : values) {
            out[v.ordinal()] = Counter.builder(name).description(description).tag(tag, label(v)).register(registry);
        }
        return out;
    }

    private Timer tokenTimer(String name, String description) {
        return Timer.builder(name)
                .description(description)
                .serviceLevelObjectives(TOKEN_BUCKETS.toArray(Duration[]::new))
                .register(registry);
    }

    private static String label(Enum<?> value) {
        return value.name().toLowerCase(Locale.ROOT);
    }
}
