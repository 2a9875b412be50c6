package io.agentgateway.routes;

import io.agentgateway.GatewayHeaders;
import io.agentgateway.protocol.ClientFrame;
import org.apache.camel.Predicate;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.component.vertx.websocket.VertxWebsocketEvent;

/**
 * The client socket's life: OPEN registers the session, CLOSE releases it, and every frame goes
 * validation → content-based routing by {@code type}. Auth ran before the upgrade (HandshakeGuard).
 */
public class WebsocketRoutes extends RouteBuilder {

    @Override
    public void configure() {
        from("vertx-websocket:/ws/{session_id}?fireWebSocketConnectionEvents=true")
                .routeId("ws-session").routeConfigurationId(ErrorHandlingConfiguration.ID)
                .choice()
                    .when(event(VertxWebsocketEvent.OPEN)).to("direct:ws-open")
                    .when(event(VertxWebsocketEvent.CLOSE)).to("direct:ws-close")
                    .otherwise().to("direct:ws-ingress")
                .end();

        from("direct:ws-open").routeId("ws-open").routeConfigurationId(ErrorHandlingConfiguration.ID)
                .bean("socketLifecycle", "open");

        from("direct:ws-close").routeId("ws-close").routeConfigurationId(ErrorHandlingConfiguration.ID)
                .bean("socketLifecycle", "close");

        from("direct:ws-ingress").routeId("ws-ingress").routeConfigurationId(ErrorHandlingConfiguration.ID)
                .process("frameValidator")
                .to("direct:dispatch");

        from("direct:dispatch").routeId("dispatch").routeConfigurationId(ErrorHandlingConfiguration.ID)
                .choice()
                    .when(header(GatewayHeaders.MESSAGE_TYPE).isEqualTo(ClientFrame.UserMessage.TYPE))
                        .to("direct:chat-turn")
                    .when(header(GatewayHeaders.MESSAGE_TYPE).isEqualTo(ClientFrame.Cancel.TYPE))
                        .to("direct:chat-cancel")
                    .when(header(GatewayHeaders.MESSAGE_TYPE).isEqualTo(ClientFrame.ToolResult.TYPE))
                        .to("direct:tool-result")
                    .when(header(GatewayHeaders.MESSAGE_TYPE).isEqualTo(ClientFrame.AgentJudgement.TYPE))
                        .to("direct:judgement-request")
                .end();

        // Any route may send a frame to a session: body = JSON text, header session_id.
        from("direct:ws-reply").routeId("ws-reply").routeConfigurationId(ErrorHandlingConfiguration.ID)
                .process("sessionReplies");
    }

    /**
     * The consumer's event, compared as the enum it is: header(...).isEqualTo(...) would run Camel's enum type
     * converter on every frame, whose lookup walks the class's interfaces (the top allocation site in a profile).
     */
    static Predicate event(VertxWebsocketEvent event) {
        return exchange -> exchange.getMessage().getHeader(GatewayHeaders.WS_EVENT) == event;
    }
}
