package io.agentgateway.queue;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.agentgateway.GatewayHeaders;
import io.agentgateway.protocol.ClientFrame;
import io.agentgateway.session.ClientSocket;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;

/**
 * Starts an {@code agent_judgement}: makes its session id, waits for its agents, and leaves one job per agent
 * in the body (a list of {@link Job}) for the enqueue step.
 */
public class JudgementStarter implements Processor {

    /** A job for one agent, as JSON. */
    public record Job(String agentId, String json) {
    }

    private final ObjectMapper mapper;
    private final PendingJudgements pending;
    private final String replyChannel;
    private final Duration timeout;
    private final Clock clock;

    public JudgementStarter(ObjectMapper mapper, PendingJudgements pending, String replyChannel, Duration timeout,
                            Clock clock) {
        this.mapper = mapper;
        this.pending = pending;
        this.replyChannel = replyChannel;
        this.timeout = timeout;
        this.clock = clock;
    }

    @Override
    public void process(Exchange exchange) {
        ClientFrame.AgentJudgement frame = exchange.getProperty(GatewayHeaders.FRAME, ClientFrame.AgentJudgement.class);
        ClientSocket socket = exchange.getProperty(GatewayHeaders.SOCKET, ClientSocket.class);
        String sessionId = UUID.randomUUID().toString();
        String createdAt = clock.instant().toString();
        List<Job> jobs = new ArrayList<>();
        for (String agentId : frame.agentIds()) {
            ObjectNode job = mapper.createObjectNode();
            job.put("job_id", UUID.randomUUID().toString());
            job.put("session_id", sessionId);
            job.put("agent_id", agentId);
            job.set("data", frame.data());
            job.put("reply_to", replyChannel);
            job.put("created_at", createdAt);
            jobs.add(new Job(agentId, job.toString()));
        }
        pending.begin(new Judgement(sessionId, socket, frame.agentIds(), timeout));
        exchange.setProperty(GatewayHeaders.JUDGEMENT, sessionId);
        exchange.getMessage().setBody(jobs);
    }
}
