package io.agentgateway.config;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.agentgateway.common.FrameRejected;
import io.agentgateway.common.RequestRejected;
import org.apache.camel.LoggingLevel;
import org.apache.camel.builder.RouteConfigurationBuilder;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.builder.RouteBuilderLifecycleStrategy;
import org.apache.camel.model.RouteDefinition;
import org.apache.camel.support.PatternHelper;

/**
 * The gateway's error policy: one route configuration per kind of party waiting for an answer, each saying by
 * exception type what that party gets. Routes do not name their configuration; {@link #BY_ROUTE_ID} gives it by
 * route-id pattern ({@link ByRouteId}), so a route added in routes/*.yaml is covered by its name.
 */
public class ErrorHandling extends RouteConfigurationBuilder {

    /** A client socket sent a frame: it gets {@code {"error": ...}} and stays open. */
    public static final String FRAME_ERRORS = "frame-errors";
    /** A chat answer is streaming: it ends with its one error final. */
    public static final String TURN_ERRORS = "turn-errors";
    /** A judgement request is being queued: the client hears "Queue unavailable". */
    public static final String JUDGEMENT_ERRORS = "judgement-errors";
    /** An HTTP caller waits: it gets the status of the rejection, or a JSON 500. */
    public static final String HTTP_ERRORS = "http-errors";
    /** Nobody waits (replies from workers, the demo worker): one log line per failure. */
    public static final String BACKGROUND_ERRORS = "background-errors";
    /**
     * Steps called from another route (the agent call, the queue transports): no handling of their own, so a failure
     * reaches the caller's configuration, which knows who is waiting.
     */
    public static final String PASS_THROUGH = "pass-through";

    /** Route-id patterns (Camel wildcards), first match wins; a route that matches none is a background route. */
    public static final Map<String, List<String>> BY_ROUTE_ID = orderedPatterns();

    private static Map<String, List<String>> orderedPatterns() {
        Map<String, List<String>> m = new LinkedHashMap<>();
        m.put(PASS_THROUGH, List.of("agent-http", "ws-reply", "queue-enqueue", "queue-publish", "memory-enqueue",
                "memory-publish", "redis-enqueue", "redis-publish"));
        m.put(BACKGROUND_ERRORS, List.of("queue-*", "redis-*", "demo-*", "judgement-reply", "chat-reply",
                "session-relay", "tool-relay"));
        m.put(HTTP_ERRORS, List.of("tool-execute", "health", "*-rest", "*-document", "browser-client-*", "metrics"));
        m.put(JUDGEMENT_ERRORS, List.of("judgement-request"));
        m.put(TURN_ERRORS, List.of("chat-*"));
        m.put(FRAME_ERRORS, List.of("ws-*", "session-*", "dispatch", "judge-*", "tool-result"));
        return m;
    }

    @Override
    public void configuration() {
        routeConfiguration(FRAME_ERRORS)
                .onException(FrameRejected.class).handled(true).bean("frameErrors", "rejected").end()
                .onException(Exception.class).handled(true).bean("frameErrors", "internal").end();

        routeConfiguration(TURN_ERRORS)
                .onException(FrameRejected.class).handled(true).bean("frameErrors", "rejected").end()
                .onException(Exception.class).handled(true).bean("turnErrors", "failed").end();

        routeConfiguration(JUDGEMENT_ERRORS)
                .onException(FrameRejected.class).handled(true).bean("frameErrors", "rejected").end()
                .onException(Exception.class).handled(true).bean("judgementErrors", "queueUnavailable").end();

        routeConfiguration(HTTP_ERRORS)
                .onException(RequestRejected.class).handled(true).bean("httpErrors", "rejected").end()
                .onException(Exception.class).handled(true).bean("httpErrors", "internal").end();

        routeConfiguration(BACKGROUND_ERRORS)
                .onException(Exception.class).handled(true)
                .log(LoggingLevel.WARN, "io.agentgateway.Background",
                        "${routeId} failed: ${exception.class.simpleName}: ${exception.message}");

        routeConfiguration(PASS_THROUGH).errorHandler(noErrorHandler());
    }

    /** The configuration for a route id: the first pattern it matches. */
    public static String configurationFor(String routeId) {
        for (Map.Entry<String, List<String>> e : BY_ROUTE_ID.entrySet()) {
            for (String pattern : e.getValue()) {
                if (PatternHelper.matchPattern(routeId, pattern)) {
                    return e.getKey();
                }
            }
        }
        return BACKGROUND_ERRORS;
    }

    /**
     * Gives each route its configuration by id, Java and YAML routes alike. Camel applies route configurations when a
     * builder's routes are prepared, right after its configure(); this runs after that and prepares each route again
     * with its configuration. A route that names one itself keeps it.
     */
    public static final class ByRouteId implements RouteBuilderLifecycleStrategy {

        @Override
        public void afterConfigure(RouteBuilder builder) {
            for (RouteDefinition route : builder.getRouteCollection().getRoutes()) {
                if (route.getRouteConfigurationId() == null && route.getRouteId() != null) {
                    route.setRouteConfigurationId(configurationFor(route.getRouteId()));
                    route.markUnprepared();
                    builder.getRouteCollection().prepareRoute(route);
                }
            }
        }
    }
}
