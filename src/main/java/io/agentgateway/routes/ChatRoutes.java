package io.agentgateway.routes;

import org.apache.camel.builder.RouteBuilder;

/**
 * A {@code user_message} becomes a turn; the answer streams on a stream thread (the agent call blocks while it
 * reads) so the socket's lane is free for the next frame, such as a cancel.
 */
public class ChatRoutes extends RouteBuilder {

    @Override
    public void configure() {
        from("direct:chat-turn").routeId("chat-turn").routeConfigurationId(ErrorHandlingConfiguration.ID)
                .bean("turnControl", "begin")
                .wireTap("direct:chat-stream").executorService("agentStreamPool");

        // The chat backend: direct:chat-http, or direct:chat-queue when GATEWAY__CHAT_BACKEND=queue.
        from("direct:chat-stream").routeId("chat-stream").routeConfigurationId(ErrorHandlingConfiguration.ID)
                .process("agentRequestBuilder")
                .to("{{gateway.chat.backend-endpoint}}");

        from("direct:chat-http").routeId("chat-http").routeConfigurationId(ErrorHandlingConfiguration.ID)
                .to("direct:agent-http")   // routes/agent-http.yaml: the operator's edge
                .process("agentStreamRelay");

        // The same request as a job; the worker's assistant_message replies come back through queue-reply.
        from("direct:chat-queue").routeId("chat-queue").routeConfigurationId(ErrorHandlingConfiguration.ID)
                .process("chatJobBuilder")
                .to("{{gateway.queue.enqueue-endpoint}}");

        from("direct:chat-cancel").routeId("chat-cancel").routeConfigurationId(ErrorHandlingConfiguration.ID)
                .bean("turnControl", "cancel");
    }
}
