package io.agentgateway.queue;

import java.time.Clock;
import java.util.UUID;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.agentgateway.GatewayHeaders;
import io.agentgateway.stream.Turn;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;

/**
 * A chat turn as a queue job: {@code data} is the chat-completions request an HTTP agent would get (model,
 * messages with history, the chat's session_id); {@code session_id} is made for this request, as for
 * judgements, so a late reply to a cancelled turn can never reach the next one.
 */
public class ChatJobBuilder implements Processor {

    private final ObjectMapper mapper;
    private final QueuedTurns turns;
    private final String agentId;
    private final String replyChannel;
    private final Clock clock;

    public ChatJobBuilder(ObjectMapper mapper, QueuedTurns turns, String agentId, String replyChannel, Clock clock) {
        this.mapper = mapper;
        this.turns = turns;
        this.agentId = agentId;
        this.replyChannel = replyChannel;
        this.clock = clock;
    }

    @Override
    public void process(Exchange exchange) throws Exception {
        Turn turn = exchange.getProperty(GatewayHeaders.TURN, Turn.class);
        String requestId = UUID.randomUUID().toString();
        ObjectNode job = mapper.createObjectNode();
        job.put("job_id", UUID.randomUUID().toString());
        job.put("session_id", requestId);
        job.put("agent_id", agentId);
        job.set("data", mapper.readTree(exchange.getMessage().getBody(String.class)));
        job.put("reply_to", replyChannel);
        job.put("created_at", clock.instant().toString());
        turns.begin(requestId, turn);
        exchange.getMessage().setHeader(GatewayHeaders.AGENT_ID, agentId);
        exchange.getMessage().setBody(job.toString());
    }
}
