package io.agentgateway.chat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.agentgateway.common.GatewayHeaders;
import io.agentgateway.queue.QueueJobs;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;

/**
 * A chat turn as a queue job: {@code data} is the chat-completions request an HTTP agent would get (model,
 * messages with history, the chat's session_id); {@code session_id} is made for this request, as for
 * judgements, so a late reply to a cancelled turn can never reach the next one.
 */
public class ChatJobBuilder implements Processor {

    private final ObjectMapper mapper;
    private final QueueJobs jobs;
    private final QueuedTurns turns;
    private final String agentId;

    public ChatJobBuilder(ObjectMapper mapper, QueueJobs jobs, QueuedTurns turns, String agentId) {
        this.mapper = mapper;
        this.jobs = jobs;
        this.turns = turns;
        this.agentId = agentId;
    }

    @Override
    public void process(Exchange exchange) throws Exception {
        Turn turn = exchange.getProperty(GatewayHeaders.TURN, Turn.class);
        String requestId = QueueJobs.newRequestId();
        String job = jobs.job(requestId, agentId, mapper.readTree(exchange.getMessage().getBody(byte[].class)));
        turns.begin(requestId, turn);
        exchange.getMessage().setHeader(GatewayHeaders.AGENT_ID, agentId);
        exchange.getMessage().setBody(job);
    }
}
