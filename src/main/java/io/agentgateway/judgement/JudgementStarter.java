package io.agentgateway.judgement;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.agentgateway.common.GatewayHeaders;
import io.agentgateway.common.ClientFrame;
import io.agentgateway.common.ClientSocket;
import io.agentgateway.queue.QueueJobs;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.Processor;

/**
 * Starts an {@code agent_judgement}: makes its session id, waits for its agents, and leaves one job per agent
 * in the body (a list of {@link Job}) for the enqueue step.
 */
public class JudgementStarter implements Processor {

    /** A job for one agent, as JSON. */
    public record Job(String agentId, String json) {
    }

    private final QueueJobs jobs;
    private final PendingJudgements pending;
    private final Duration timeout;

    public JudgementStarter(QueueJobs jobs, PendingJudgements pending, Duration timeout) {
        this.jobs = jobs;
        this.pending = pending;
        this.timeout = timeout;
    }

    @Override
    public void process(Exchange exchange) {
        ClientFrame.AgentJudgement frame = exchange.getProperty(GatewayHeaders.FRAME, ClientFrame.AgentJudgement.class);
        ClientSocket socket = exchange.getProperty(GatewayHeaders.SOCKET, ClientSocket.class);
        String sessionId = QueueJobs.newRequestId();
        List<Job> perAgent = new ArrayList<>();
        for (String agentId : frame.agentIds()) {
            perAgent.add(new Job(agentId, jobs.job(sessionId, agentId, frame.data())));
        }
        pending.begin(new Judgement(sessionId, socket, frame.agentIds(), timeout));
        exchange.setProperty(GatewayHeaders.JUDGEMENT, sessionId);
        exchange.getMessage().setBody(perAgent);
    }

    /**
     * The split's step for one {@link Job}: its agent in header {@link GatewayHeaders#AGENT_ID}, its JSON as the body,
     * as {@code direct:queue-enqueue} takes them. Plain Java rather than {@code ${body.agentId}}: the simple language
     * resolves such a path through the bean language, by reflection, for every job (5 % of a judgement's CPU).
     */
    static void toQueueMessage(Exchange exchange) {
        Message message = exchange.getMessage();
        Job job = message.getBody(Job.class);
        message.setHeader(GatewayHeaders.AGENT_ID, job.agentId());
        message.setBody(job.json());
    }
}
