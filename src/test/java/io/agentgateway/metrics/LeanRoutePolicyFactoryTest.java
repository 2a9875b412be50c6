package io.agentgateway.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.stream.Collectors;

import io.agentgateway.common.GatewayHeaders;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.component.micrometer.routepolicy.MicrometerRoutePolicyConfiguration;
import org.apache.camel.component.micrometer.routepolicy.MicrometerRoutePolicyFactory;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.Test;

/**
 * The lean route policy writes exactly the series Camel's own writes: the same routes and messages through a
 * context with each, and the two {@code /metrics} scrapes must match line for line (durations aside).
 */
class LeanRoutePolicyFactoryTest {

    /** Which routes saw the lean policy's timer property while a message was in them. */
    private final Map<String, Boolean> leanPropertySeen = new ConcurrentHashMap<>();

    @Test
    void sameSeriesAsCamelsOwnPolicy() throws Exception {
        String camels = scrapeAfterTraffic(MicrometerRoutePolicyFactory::new);
        assertTrue(leanPropertySeen.isEmpty(), "Camel's policy has no such property: " + leanPropertySeen);
        String lean = scrapeAfterTraffic(LeanRoutePolicyFactory::new);
        assertEquals(Map.of("b", true), leanPropertySeen, "the lean policy did the recording");

        assertEquals(normalised(camels), normalised(lean));
        // and the traffic was counted at all (5 messages into a, 2 of them failed in b)
        assertTrue(camels.lines().anyMatch(l -> l.startsWith("camel_exchanges_total{")
                && l.contains("routeId=\"a\"") && l.endsWith(" 5.0")), camels);
        assertTrue(camels.lines().anyMatch(l -> l.startsWith("camel_exchanges_failed_total{")
                && l.contains("routeId=\"b\"") && l.endsWith(" 2.0")), camels);
        assertTrue(camels.lines().anyMatch(l -> l.startsWith("camel_exchanges_failures_handled_total{")
                && l.contains("routeId=\"handled\"") && l.endsWith(" 2.0")), camels);
        assertFalse(camels.contains("routeId=\"excluded\""), "left out by the exclude pattern");
    }

    private String scrapeAfterTraffic(Supplier<MicrometerRoutePolicyFactory> policyFactory) throws Exception {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        try (CamelContext context = new DefaultCamelContext()) {
            context.getCamelContextExtension().setName("parity");
            MicrometerRoutePolicyFactory factory = policyFactory.get();
            factory.setMeterRegistry(registry);
            MicrometerRoutePolicyConfiguration configuration = new MicrometerRoutePolicyConfiguration();
            configuration.setExcludePattern("excluded");
            configuration.setContextEnabled(false);
            factory.setPolicyConfiguration(configuration);
            context.addRoutePolicyFactory(factory);
            context.addRoutes(new RouteBuilder() {
                @Override
                public void configure() {
                    from("direct:a").routeId("a").to("direct:b");
                    from("direct:b").routeId("b")
                            .process(e -> {
                                if (e.getProperty(GatewayHeaders.ROUTE_TIMER_PREFIX + "b") != null) {
                                    leanPropertySeen.put("b", true);
                                }
                            })
                            .filter(header("fail")).throwException(new IllegalArgumentException("failed on purpose"));
                    from("direct:handled").routeId("handled")
                            .onException(IllegalStateException.class).handled(true).end()
                            .throwException(new IllegalStateException("handled on purpose"));
                    from("direct:excluded").routeId("excluded").log("not measured");
                    from("direct:unused").routeId("unused").log("never called");
                }
            });
            context.start();
            ProducerTemplate send = context.createProducerTemplate();
            for (int i = 0; i < 3; i++) {
                send.sendBody("direct:a", "ok");
            }
            for (int i = 0; i < 2; i++) {
                Exchange failed = send.send("direct:a", e -> e.getIn().setHeader("fail", true));
                assertTrue(failed.isFailed());
                send.sendBody("direct:handled", "handled");
            }
            send.sendBody("direct:excluded", "x");
            return registry.scrape();
        } finally {
            registry.close();
        }
    }

    /** The scrape without the durations, which differ from run to run: names, labels and counts stay. */
    private static List<String> normalised(String scrape) {
        return scrape.lines()
                .filter(l -> !l.startsWith("#") || l.startsWith("# HELP") || l.startsWith("# TYPE"))
                .map(l -> l.matches("^[a-z_]+_seconds_(sum|max)\\{.*") ? l.replaceAll(" [0-9.E-]+$", " <duration>") : l)
                .sorted()
                .collect(Collectors.toList());
    }
}
