package io.agentgateway.ws;

import io.agentgateway.common.ClientFrame;
import io.agentgateway.common.GatewayHeaders;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;

/** Validation step of ws-ingress: parses the frame, sets its type for the dispatch route. */
public class FrameValidator implements Processor {

    private final FrameParser parser;

    public FrameValidator(FrameParser parser) {
        this.parser = parser;
    }

    @Override
    public void process(Exchange exchange) {
        ClientFrame frame = parser.parse(exchange.getMessage().getBody());
        exchange.setProperty(GatewayHeaders.FRAME, frame);
        exchange.getMessage().setHeader(GatewayHeaders.MESSAGE_TYPE, frame.type());
    }
}
