package io.agentgateway.config;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.IntSupplier;

import io.agentgateway.common.GatewayMetrics;
import io.agentgateway.metrics.LeanRoutePolicyFactory;
import io.agentgateway.metrics.MicrometerGatewayMetrics;
import io.agentgateway.metrics.PrometheusScrape;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.apache.camel.CamelContext;
import org.apache.camel.component.micrometer.MicrometerConstants;
import org.apache.camel.component.micrometer.eventnotifier.MicrometerRouteEventNotifier;
import org.apache.camel.component.micrometer.routepolicy.MicrometerRoutePolicyConfiguration;
import org.apache.camel.component.micrometer.routepolicy.MicrometerRoutePolicyFactory;
import org.apache.camel.spi.Registry;
import org.apache.camel.support.service.ServiceSupport;

/**
 * The metrics behind {@code GET /metrics}: one Prometheus registry per gateway holding Camel's route metrics
 * (camel-micrometer's route policy on every route, and its route event notifier), the JVM's, and the gateway's own
 * ({@link MicrometerGatewayMetrics}). Binds {@code metricsRegistry} (the name camel-micrometer looks up, so a
 * {@code micrometer:} endpoint in a YAML route records into the same registry), {@code metricsScrape} (the route's
 * step) and {@code gatewayMetrics}.
 * <p>
 * Not camel-main's {@code camel.metrics.*}: those need camel-micrometer-prometheus, which brings
 * camel-platform-http-main and its own server, and the gateway runs its own ({@code http/GatewayHttpServer}).
 */
final class MetricsBeans {

    private MetricsBeans() {
    }

    /**
     * Must run before routes are added: the route policy factory applies to routes created after it.
     *
     * @param activeAnswers answers streaming on this instance, for the gateway_answers_active gauge
     * @param routeExclude  routes the route policy leaves out: Camel's patterns (ids, {@code *} wildcards, regular
     *                      expressions), comma-separated
     */
    static GatewayMetrics install(CamelContext context, IntSupplier activeAnswers, Optional<String> routeExclude)
            throws Exception {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        Registry beans = context.getRegistry();
        beans.bind(MicrometerConstants.METRICS_REGISTRY_NAME, MeterRegistry.class, registry);
        beans.bind("metricsScrape", new PrometheusScrape(registry));

        MicrometerRoutePolicyFactory routes = new LeanRoutePolicyFactory(); // Camel's series, cheaper per message
        routes.setMeterRegistry(registry);
        // Each measured route costs every message passing it a timer sample and two or three counters (a judgement
        // passes nine routes): operators choose which inner hops are worth that.
        MicrometerRoutePolicyConfiguration policy = new MicrometerRoutePolicyConfiguration();
        routeExclude.ifPresent(policy::setExcludePattern);
        // The context-wide series (no routeId) took every route's exchanges again: a frame counted once per hop, at
        // the same cost per hop as a route's own series (a judgement's trip spent 4 % of its CPU naming its timers).
        policy.setContextEnabled(false);
        routes.setPolicyConfiguration(policy);
        context.addRoutePolicyFactory(routes);
        MicrometerRouteEventNotifier routeEvents = new MicrometerRouteEventNotifier();
        routeEvents.setMeterRegistry(registry);
        // It counts routes added, running and reloaded: route events only. Left taking exchange events, it made Camel
        // build an event for every exchange and every hop of every message (and time each send), to be dropped.
        routeEvents.setIgnoreExchangeEvents(true);
        routeEvents.setIgnoreCamelContextEvents(true);
        routeEvents.setIgnoreServiceEvents(true);
        routeEvents.setIgnoreStepEvents(true);
        context.getManagementStrategy().addEventNotifier(routeEvents);

        // The JVM's meters read its management beans, about 100 classes to load: they are bound on another thread
        // while this one goes on wiring and building the routes, and waited for when the routes start, before the
        // gateway answers anything.
        context.addService(new Closer(CompletableFuture.supplyAsync(() -> bindJvmMetrics(registry)), registry));

        GatewayMetrics metrics = new MicrometerGatewayMetrics(registry, activeAnswers);
        beans.bind("gatewayMetrics", GatewayMetrics.class, metrics);
        return metrics;
    }

    /** Memory, threads, CPU, uptime and GC pauses; the GC meters' listener is to be closed. */
    private static JvmGcMetrics bindJvmMetrics(MeterRegistry registry) {
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        JvmGcMetrics gc = new JvmGcMetrics();
        gc.bindTo(registry);
        return gc;
    }

    /**
     * Waits at start for the JVM's meters to be bound; stops the GC listener and the registry with the gateway
     * (tests start many gateways in one JVM).
     */
    private static final class Closer extends ServiceSupport {
        private final CompletableFuture<JvmGcMetrics> jvmMetrics;
        private final MeterRegistry registry;

        Closer(CompletableFuture<JvmGcMetrics> jvmMetrics, MeterRegistry registry) {
            this.jvmMetrics = jvmMetrics;
            this.registry = registry;
        }

        @Override
        protected void doStart() {
            jvmMetrics.join();
        }

        @Override
        protected void doStop() {
            jvmMetrics.join().close();
            registry.close();
        }
    }
}
