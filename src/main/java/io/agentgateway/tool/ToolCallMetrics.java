package io.agentgateway.tool;

import io.agentgateway.common.GatewayMetrics;
import org.apache.camel.Exchange;
import org.apache.camel.Route;
import org.apache.camel.support.RoutePolicySupport;

/**
 * Counts the HTTP status of every answer of the tool-execute route: the client's outcome (200, 502, 504, 410) and
 * the rejections the error policy answers (400, 401, 404, 409, 429, 500) alike. A route policy sees the exchange when
 * the route is done, error handling included, so no step has to remember to count.
 */
public class ToolCallMetrics extends RoutePolicySupport {

    private final GatewayMetrics metrics;

    public ToolCallMetrics(GatewayMetrics metrics) {
        this.metrics = metrics;
    }

    @Override
    public void onExchangeDone(Route route, Exchange exchange) {
        Integer status = exchange.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE, Integer.class);
        if (status != null) {
            metrics.toolCallAnswered(status);
        }
    }
}
