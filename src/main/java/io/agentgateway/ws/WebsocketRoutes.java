package io.agentgateway.ws;

import io.agentgateway.common.ClientFrame;
import io.agentgateway.common.GatewayHeaders;
import io.agentgateway.common.SocketEvents;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.component.vertx.websocket.VertxWebsocketEvent;

/**
 * The chat socket's edge: OPEN and CLOSE go to the session, every frame goes validation → content-based routing by
 * {@code type} to the feature that serves it. Auth ran before the upgrade (auth/HandshakeGuard).
 */
public class WebsocketRoutes extends RouteBuilder {

    @Override
    public void configure() {
        from("vertx-websocket:/ws/{session_id}?fireWebSocketConnectionEvents=true").routeId("ws-session")
                .choice()
                    .when(SocketEvents.is(VertxWebsocketEvent.OPEN)).to("direct:session-open")
                    .when(SocketEvents.is(VertxWebsocketEvent.CLOSE)).to("direct:session-close")
                    .otherwise().to("direct:ws-ingress")
                .end();

        from("direct:ws-ingress").routeId("ws-ingress")
                .process("frameValidator")
                .to("direct:dispatch");

        // Both protocols' frames, once valid, by type. A type a socket may not send was refused by its validator.
        from("direct:dispatch").routeId("dispatch")
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
    }
}
