package io.agentgateway.session;

import io.agentgateway.common.GatewayHeaders;
import io.agentgateway.common.ServerFrames;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ws-reply step: appends the body, a JSON object, to the session stream of the session named in header
 * {@code session_id} (adding its {@code seq}), when a socket holds that session; says in header
 * {@link GatewayHeaders#DELIVERED} whether one did.
 */
public class SessionReplies implements Processor {

    private static final Logger LOG = LoggerFactory.getLogger(SessionReplies.class);

    private final SessionRegistry sessions;
    private final SessionStreams streams;

    public SessionReplies(SessionRegistry sessions, SessionStreams streams) {
        this.sessions = sessions;
        this.streams = streams;
    }

    @Override
    public void process(Exchange exchange) {
        String sessionId = exchange.getMessage().getHeader(GatewayHeaders.SESSION_ID, String.class);
        String text = exchange.getMessage().getBody(String.class);
        boolean sent = sessionId != null && sessions.find(sessionId).isPresent();
        if (sent) {
            streams.append(sessionId, seq -> ServerFrames.withSeq(text, seq));
        }
        if (!sent) {
            LOG.debug("Dropped a reply for session {}: no open socket here", sessionId);
        }
        exchange.getMessage().setHeader(GatewayHeaders.DELIVERED, sent);
    }
}
