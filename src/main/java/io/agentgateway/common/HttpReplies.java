package io.agentgateway.common;

import org.apache.camel.Exchange;
import org.apache.camel.Message;

/** Sets a JSON HTTP response on an exchange. */
public final class HttpReplies {

    private HttpReplies() {
    }

    /**
     * Replaces the message with the response. The request's headers are dropped first: platform-http would
     * otherwise send them back as response headers (X-Internal-Auth among them).
     */
    public static void json(Exchange exchange, int status, String body) {
        Message m = exchange.getMessage();
        m.getHeaders().clear();
        m.setHeader(Exchange.HTTP_RESPONSE_CODE, status);
        m.setHeader(Exchange.CONTENT_TYPE, "application/json");
        m.setBody(body);
    }
}
