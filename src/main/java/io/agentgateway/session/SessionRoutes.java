package io.agentgateway.session;

import org.apache.camel.builder.RouteBuilder;

/** Who holds which session: a chat socket's OPEN and CLOSE, and sending a frame to whichever socket holds a session. */
public class SessionRoutes extends RouteBuilder {

    @Override
    public void configure() {
        from("direct:session-open").routeId("session-open")
                .bean("socketLifecycle", "open");

        from("direct:session-close").routeId("session-close")
                .bean("socketLifecycle", "close");

        // Any route may send a frame to a session: body = JSON text, header session_id. Sets GatewayDelivered.
        from("direct:ws-reply").routeId("ws-reply")
                .process("sessionReplies");
    }
}
