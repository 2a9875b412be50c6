package io.agentgateway.common;

import org.apache.camel.Predicate;
import org.apache.camel.component.vertx.websocket.VertxWebsocketEvent;

/** Predicates on the vertx-websocket consumer's event header, for the routes that receive socket events. */
public final class SocketEvents {

    private SocketEvents() {
    }

    /**
     * The consumer's event, compared as the enum it is: header(...).isEqualTo(...) would run Camel's enum type
     * converter on every frame, whose lookup walks the class's interfaces (the top allocation site in a profile).
     */
    public static Predicate is(VertxWebsocketEvent event) {
        return exchange -> exchange.getMessage().getHeader(GatewayHeaders.WS_EVENT) == event;
    }
}
