package io.agentgateway.testing;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;

/** A test class's own running gateway, pointed at its own stand-in agent; both stop after the class. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class GatewayWithAgent {

    protected StandInAgent agent;
    protected RunningGateway gateway;

    /** Settings of this class's gateway beyond the agent URL. */
    protected RunningGateway.Builder configure(RunningGateway.Builder builder) {
        return builder;
    }

    @BeforeAll
    void startGatewayAndAgent() throws Exception {
        agent = new StandInAgent();
        gateway = configure(RunningGateway.builder().agentUrl(agent.url())).start();
    }

    @AfterAll
    void stopGatewayAndAgent() throws Exception {
        if (gateway != null) {
            gateway.close();
        }
        agent.close();
    }
}
