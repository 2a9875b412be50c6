package io.agentgateway.session;

import io.agentgateway.common.GatewayHeaders;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ws-reply step: sends the body, a JSON text, to the socket holding the session named in header
 * {@code session_id}, and says in header {@link GatewayHeaders#DELIVERED} whether a socket took it.
 */
public class SessionReplies implements Processor {

    private static final Logger LOG = LoggerFactory.getLogger(SessionReplies.class);

    private final SessionRegistry sessions;

    public SessionReplies(SessionRegistry sessions) {
        this.sessions = sessions;
    }

    @Override
    public void process(Exchange exchange) {
        String sessionId = exchange.getMessage().getHeader(GatewayHeaders.SESSION_ID, String.class);
        String text = exchange.getMessage().getBody(String.class);
        boolean sent = sessionId != null && sessions.find(sessionId).map(s -> s.send(text)).orElse(false);
        if (!sent) {
            LOG.debug("Dropped a reply for session {}: no open socket here", sessionId);
        }
        exchange.getMessage().setHeader(GatewayHeaders.DELIVERED, sent);
    }
}
