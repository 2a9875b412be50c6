package io.agentgateway.session;

import io.agentgateway.common.GatewayHeaders;
import org.apache.camel.LoggingLevel;
import org.apache.camel.builder.RouteBuilder;

/** Who holds which session: a chat socket's OPEN and CLOSE, and sending a frame to whichever socket holds a session. */
public class SessionRoutes extends RouteBuilder {

    @Override
    public void configure() {
        from("direct:session-open").routeId("session-open")
                .bean("socketLifecycle", "open");

        from("direct:session-close").routeId("session-close")
                .bean("socketLifecycle", "close");

        // Messages from the other gateway instances (with Redis: routes/session-redis.yaml), by kind.
        from("direct:session-relay").routeId("session-relay")
                .process("relayReader")
                .choice()
                    .when(header(GatewayHeaders.RELAY_KIND).isEqualTo("handover"))
                        .bean("handovers", "handover")
                    .when(header(GatewayHeaders.RELAY_KIND).isEqualTo("snapshot"))
                        .bean("handovers", "snapshot")
                    .when(header(GatewayHeaders.RELAY_KIND).isEqualTo("append"))
                        .bean("handovers", "append")
                    .when(header(GatewayHeaders.RELAY_KIND).isEqualTo("cancel"))
                        .bean("turnControl", "cancelFromElsewhere")
                    .when(header(GatewayHeaders.RELAY_KIND).startsWith("tool_"))
                        .to("direct:tool-relay")
                    .otherwise()
                        .log(LoggingLevel.WARN, "Dropped a relay message of unknown kind ${header.GatewayRelayKind}")
                .end();

        // Any route may send a frame to a session: body = JSON text, header session_id. Sets GatewayDelivered.
        from("direct:ws-reply").routeId("ws-reply")
                .process("sessionReplies");
    }
}
