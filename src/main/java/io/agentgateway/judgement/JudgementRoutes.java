package io.agentgateway.judgement;

import io.agentgateway.common.SocketEvents;
import org.apache.camel.builder.PredicateBuilder;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.component.vertx.websocket.VertxWebsocketEvent;

/**
 * The judgement protocol on {@code /ws}: an {@code agent_judgement} becomes one job per agent on the queue
 * ({@code direct:queue-enqueue}, defined by routes/queue-redis.yaml or routes/queue-memory.yaml), and the workers'
 * replies come back through queue-reply → judgement-reply to the socket that asked. Auth ran before the upgrade.
 */
public class JudgementRoutes extends RouteBuilder {

    @Override
    public void configure() {
        from("vertx-websocket:/ws?fireWebSocketConnectionEvents=true").routeId("judge-session")
                .filter(PredicateBuilder.not(SocketEvents.is(VertxWebsocketEvent.OPEN))) // nothing to set up: requests carry their own ids
                .choice()
                    .when(SocketEvents.is(VertxWebsocketEvent.CLOSE)).to("direct:judge-close")
                    .otherwise().to("direct:judge-ingress")
                .end();

        from("direct:judge-close").routeId("judge-close")
                .bean("judgeSocketLifecycle", "close");

        from("direct:judge-ingress").routeId("judge-ingress")
                .process("judgeFrameValidator")
                .to("direct:dispatch");

        from("direct:judgement-request").routeId("judgement-request")
                .process("judgementStarter")
                .split(body()).stopOnException()
                    .process(JudgementStarter::toQueueMessage)
                    .to("direct:queue-enqueue")
                .end();

        from("direct:judgement-reply").routeId("judgement-reply")
                .process("judgementReplies");
    }
}
