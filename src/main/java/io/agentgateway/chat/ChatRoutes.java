package io.agentgateway.chat;

import org.apache.camel.builder.RouteBuilder;

/**
 * A {@code user_message} becomes a turn. The answer streams without holding the socket's lane or any thread: the
 * agent call (routes/agent-http.yaml, {@code agent-stream:}) is asynchronous, so the lane moves on to the socket's
 * next frame, such as a cancel. The turn's exchange completes when the answer begins; the answer's end is an exchange
 * of its own (chat-stream-end), so no route state lives as long as an answer.
 */
public class ChatRoutes extends RouteBuilder {

    @Override
    public void configure() {
        from("direct:chat-turn").routeId("chat-turn")
                .bean("turnControl", "begin")
                .to("direct:chat-stream");

        // The chat backend, GATEWAY__CHAT_BACKEND: direct:chat-http or direct:chat-queue.
        from("direct:chat-stream").routeId("chat-stream")
                .process("agentRequestBuilder")
                .to("direct:chat-{{gateway.chat.backend}}");

        // routes/agent-http.yaml, the operator's edge, relays the tokens. With agent-stream's streamEnd (as shipped)
        // it returns once the answer has begun, and the answer's end comes to chat-stream-end; complete then leaves
        // the streaming turn alone. Without it, it returns when the answer has ended.
        from("direct:chat-http").routeId("chat-http")
                .to("direct:agent-http")
                .bean("turnControl", "complete");

        from("direct:chat-stream-end").routeId("chat-stream-end")
                .bean("turnControl", "streamEnded");

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
