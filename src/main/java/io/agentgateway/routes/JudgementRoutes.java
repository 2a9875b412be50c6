package io.agentgateway.routes;

import io.agentgateway.GatewayHeaders;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.component.vertx.websocket.VertxWebsocketEvent;

/**
 * The judgement protocol on {@code /ws}: an {@code agent_judgement} becomes one job per agent on the queue
 * ({@code {{gateway.queue.enqueue-endpoint}}}: Redis or in-process, see routes/queue-*.yaml), and the workers'
 * replies come back through {@code queue-reply} to the socket that asked. Auth ran before the upgrade.
 */
public class JudgementRoutes extends RouteBuilder {

    @Override
    public void configure() {
        from("vertx-websocket:/ws?fireWebSocketConnectionEvents=true")
                .routeId("judge-session").routeConfigurationId(ErrorHandlingConfiguration.ID)
                .choice()
                    .when(WebsocketRoutes.event(VertxWebsocketEvent.OPEN)).to("direct:judge-open")
                    .when(WebsocketRoutes.event(VertxWebsocketEvent.CLOSE)).to("direct:judge-close")
                    .otherwise().to("direct:judge-ingress")
                .end();

        from("direct:judge-open").routeId("judge-open").routeConfigurationId(ErrorHandlingConfiguration.ID)
                .bean("judgeSocketLifecycle", "open");

        from("direct:judge-close").routeId("judge-close").routeConfigurationId(ErrorHandlingConfiguration.ID)
                .bean("judgeSocketLifecycle", "close");

        from("direct:judge-ingress").routeId("judge-ingress").routeConfigurationId(ErrorHandlingConfiguration.ID)
                .bean("judgeSocketLifecycle", "resolve")
                .process("judgeFrameValidator")
                .to("direct:dispatch");

        from("direct:judgement-request").routeId("judgement-request")
                .routeConfigurationId(ErrorHandlingConfiguration.ID)
                .process("judgementStarter")
                .split(body()).stopOnException()
                    .setHeader(GatewayHeaders.AGENT_ID, simple("${body.agentId}"))
                    .setBody(simple("${body.json}"))
                    .to("{{gateway.queue.enqueue-endpoint}}")
                .end();

        // Every reply a worker sends to this instance, whichever transport brought it.
        from("direct:queue-reply").routeId("queue-reply").routeConfigurationId(ErrorHandlingConfiguration.BACKGROUND)
                .process("queueReplies");
    }
}
