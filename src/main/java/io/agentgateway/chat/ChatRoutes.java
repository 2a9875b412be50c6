package io.agentgateway.chat;

import org.apache.camel.builder.RouteBuilder;

/**
 * A {@code user_message} becomes a turn; the answer streams on a stream thread (the agent call blocks while it
 * reads) so the socket's lane is free for the next frame, such as a cancel.
 */
public class ChatRoutes extends RouteBuilder {

    @Override
    public void configure() {
        from("direct:chat-turn").routeId("chat-turn")
                .bean("turnControl", "begin")
                .wireTap("direct:chat-stream").executorService("agentStreamPool");

        // The chat backend, GATEWAY__CHAT_BACKEND: direct:chat-http or direct:chat-queue.
        from("direct:chat-stream").routeId("chat-stream")
                .process("agentRequestBuilder")
                .to("direct:chat-{{gateway.chat.backend}}");

        from("direct:chat-http").routeId("chat-http")
                .to("direct:agent-http")   // routes/agent-http.yaml: the operator's edge
                .process("agentStreamRelay");

        // The same request as a job; the worker's assistant_message replies come back through chat-reply.
        from("direct:chat-queue").routeId("chat-queue")
                .process("chatJobBuilder")
                .to("direct:queue-enqueue");   // routes/queue-*.yaml: the transport

        from("direct:chat-reply").routeId("chat-reply")
                .process("chatReplies");

        from("direct:chat-cancel").routeId("chat-cancel")
                .bean("turnControl", "cancel");
    }
}
