package io.agentgateway.metrics;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.Processor;

/** The {@code metrics} step of {@code GET /metrics}: every meter in the Prometheus text format (version 0.0.4). */
public class PrometheusScrape implements Processor {

    /** What {@link PrometheusMeterRegistry#scrape()} writes (the Prometheus text exposition format). */
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final PrometheusMeterRegistry registry;

    public PrometheusScrape(PrometheusMeterRegistry registry) {
        this.registry = registry;
    }

    @Override
    public void process(Exchange exchange) {
        Message m = exchange.getMessage();
        // the request's headers would otherwise go back as response headers
        m.getHeaders().clear();
        m.setHeader(Exchange.HTTP_RESPONSE_CODE, 200);
        m.setHeader(Exchange.CONTENT_TYPE, CONTENT_TYPE);
        m.setBody(registry.scrape());
    }
}
