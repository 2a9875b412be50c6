package io.agentgateway.chat;

import java.util.Map;
import java.util.Properties;

import io.agentgateway.testing.YamlRoutes;
import io.vertx.core.http.RequestOptions;
import org.apache.camel.Exchange;
import org.apache.camel.builder.AdviceWith;
import org.apache.camel.component.mock.MockEndpoint;
import org.apache.camel.model.ToDefinition;
import org.apache.camel.test.junit5.CamelTestSupport;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** routes/agent-http.yaml alone: what reaches the agent, with the agent replaced by a mock. */
class AgentHttpRouteTest extends CamelTestSupport {

    @Override
    public boolean isUseAdviceWith() {
        return true;
    }

    @Override
    protected Properties useOverridePropertiesWithPropertiesComponent() {
        return YamlRoutes.defaults(Map.of("gateway.agent.endpoint", "http://agent.test:8080/v1/chat/completions",
                "gateway.agent.timeout-ms", "2500", "gateway.agent.max-streams", "300"));
    }

    @Test
    void onlyTheHeadersTheRouteSetsReachTheAgent() throws Exception {
        YamlRoutes.load(context, "agent-http.yaml");
        AdviceWith.adviceWith(context, "agent-http", a -> a
                .weaveByType(ToDefinition.class).replace().to("mock:agent"));
        context.start();
        assertThat(context.getRouteDefinition("agent-http").toString()).contains("mock:agent");

        MockEndpoint agent = getMockEndpoint("mock:agent");
        agent.expectedMessageCount(1);
        agent.expectedBodiesReceived("{\"model\":\"m\"}");
        agent.expectedHeaderReceived(Exchange.HTTP_METHOD, "POST");
        agent.expectedHeaderReceived("Content-Type", "application/json");
        agent.expectedHeaderReceived("Accept-Encoding", "identity");
        template.sendBodyAndHeaders("direct:agent-http", "{\"model\":\"m\"}",
                Map.of("appid", "client-app", "token", "secret-token", "X-Internal-Auth", "k", "session_id", "s1"));
        agent.assertIsSatisfied();
        assertThat(agent.getExchanges().get(0).getMessage().getHeaders().keySet())
                .containsExactlyInAnyOrder(Exchange.HTTP_METHOD, "Content-Type", "Accept", "Accept-Encoding");
    }

    @Test
    void theAgentUrlAndTimeoutsComeFromTheProperties() throws Exception {
        YamlRoutes.load(context, "agent-http.yaml");
        String to = context.getRouteDefinition("agent-http").getOutputs().get(5).toString();
        String uri = context.resolvePropertyPlaceholders(to.substring(to.indexOf('[') + 1, to.lastIndexOf(']')));
        assertThat(uri).startsWith("agent-stream:http://agent.test:8080/v1/chat/completions?");
        AgentStreamEndpoint endpoint = context.getEndpoint(uri, AgentStreamEndpoint.class);
        assertThat(endpoint.agentUrl()).isEqualTo("http://agent.test:8080/v1/chat/completions");
        assertThat(endpoint.options()).isEqualTo(new AgentStreamEndpoint.Options(2500, 2500, 300, 1024 * 1024, 2));
    }

    @Test
    void queryParametersThatAreNotOptionsStayInTheAgentUrl() {
        AgentStreamEndpoint endpoint = context.getEndpoint(
                "agent-stream:https://agent.test/openai/chat?api-version=2024-06-01&idleTimeout=5000",
                AgentStreamEndpoint.class);
        assertThat(endpoint.agentUrl()).isEqualTo("https://agent.test/openai/chat?api-version=2024-06-01");
        assertThat(endpoint.options().idleTimeoutMs()).isEqualTo(5000);
    }

    @Test
    void eachRequestIsANewCopyOfTheAgentUrlAndConnectTimeout() {
        AgentStreamEndpoint endpoint = context.getEndpoint(
                "agent-stream:https://agent.test:8443/openai/chat?api-version=2024-06-01&connectTimeout=1500",
                AgentStreamEndpoint.class);
        RequestOptions first = endpoint.newRequest().putHeader("X-One", "1");
        RequestOptions second = endpoint.newRequest();
        assertThat(second.getHost()).isEqualTo("agent.test");
        assertThat(second.getPort()).isEqualTo(8443);
        assertThat(second.isSsl()).isTrue();
        assertThat(second.getURI()).isEqualTo("/openai/chat?api-version=2024-06-01");
        assertThat(second.getConnectTimeout()).isEqualTo(1500);
        assertThat(first.getHeaders().contains("X-One")).isTrue();
        assertThat(second.getHeaders() == null || !second.getHeaders().contains("X-One")).as("headers shared").isTrue();
    }
}
