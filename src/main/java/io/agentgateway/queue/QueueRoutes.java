package io.agentgateway.queue;

import io.agentgateway.common.GatewayHeaders;
import org.apache.camel.builder.RouteBuilder;

/**
 * Every reply a worker sends to this instance, from whichever transport brought it (routes/queue-*.yaml), routed by
 * its {@code type} to the feature that asked: judgements or chat turns.
 */
public class QueueRoutes extends RouteBuilder {

    @Override
    public void configure() {
        from("direct:queue-reply").routeId("queue-reply")
                .process("queueReplies")
                .choice()
                    .when(header(GatewayHeaders.REPLY_TYPE).in("agent_judgement_stream", "agent_judgement_final"))
                        .to("direct:judgement-reply")
                    .when(header(GatewayHeaders.REPLY_TYPE).in("assistant_message", "error"))
                        .to("direct:chat-reply")
                    .otherwise()
                        .bean("queueReplies", "unknownType")
                .end();
    }
}
