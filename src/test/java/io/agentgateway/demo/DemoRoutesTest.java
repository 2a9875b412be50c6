package io.agentgateway.demo;

import java.util.List;
import java.util.Map;
import java.util.Properties;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.agentgateway.testing.YamlRoutes;
import org.apache.camel.builder.AdviceWith;
import org.apache.camel.component.mock.MockEndpoint;
import org.apache.camel.test.junit5.CamelTestSupport;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** routes/demo-*.yaml alone: when they load, and what the demo worker answers through the queue's publish endpoint. */
class DemoRoutesTest {

    abstract static class DemoContext extends CamelTestSupport {

        abstract Map<String, String> properties();

        @Override
        public boolean isUseAdviceWith() {
            return true;
        }

        @Override
        protected Properties useOverridePropertiesWithPropertiesComponent() {
            return YamlRoutes.defaults(properties());
        }

        void load() throws Exception {
            context.getRegistry().bind("demoWorker", new DemoWorker(new ObjectMapper(),
                    new io.agentgateway.queue.QueueJobs(new ObjectMapper(), "gateway:replies:me", java.time.Clock.systemUTC()),
                    List.of("gateway:jobs:agent1")));
            context.getRegistry().bind("demoAgent", new DemoAgent(new ObjectMapper(), java.time.Duration.ZERO, 1));
            YamlRoutes.load(context, "demo-worker.yaml", "demo-agent.yaml");
        }
    }

    @Nested
    class Embedded extends DemoContext {
        @Override
        Map<String, String> properties() {
            return Map.of();
        }

        @Test
        void theWorkerTakesInProcessJobsAndAnswersThroughQueuePublish() throws Exception {
            load();
            AdviceWith.adviceWith(context, "demo-agent", a -> a.replaceFromWith("direct:demo-agent"));
            AdviceWith.adviceWith(context, "demo-worker", a -> a.weaveByToUri("direct:queue-publish").replace().to("mock:publish"));
            context.start();
            assertThat(context.getRoute("demo-worker-memory")).isNotNull();
            assertThat(context.getRoute("demo-worker-redis")).isNull();
            assertThat(context.getRoute("demo-agent")).as("no agent URL: the demo agent is served").isNotNull();

            MockEndpoint publish = getMockEndpoint("mock:publish");
            publish.expectedMessageCount(3);
            publish.expectedHeaderReceived("GatewayReplyTo", "gateway:replies:me");
            template.sendBody("seda:gateway-jobs", "{\"job_id\":\"j\",\"session_id\":\"s\",\"agent_id\":\"agent1\","
                    + "\"data\":{\"user_input\":\"is it fine\"},\"reply_to\":\"gateway:replies:me\"}");
            publish.assertIsSatisfied();
            List<String> types = publish.getExchanges().stream()
                    .map(e -> e.getMessage().getBody(String.class).replaceAll(".*\"type\":\"([a-z_]+)\".*", "$1")).toList();
            assertThat(types).containsExactly("agent_judgement_stream", "agent_judgement_stream", "agent_judgement_final");
        }
    }

    @Nested
    class OffWithARealAgentAndRedis extends DemoContext {
        @Override
        Map<String, String> properties() {
            return Map.of("redis.host", "redis.test", "gateway.agent.url", "http://agent.test/v1/chat/completions");
        }

        @Test
        void neitherTheDemoAgentNorTheWorkerIsLoaded() throws Exception {
            load();
            context.start();
            assertThat(context.getRoute("demo-agent")).isNull();
            assertThat(context.getRoute("demo-worker-memory")).isNull();
            assertThat(context.getRoute("demo-worker-redis")).as("auto is off with Redis").isNull();
            assertThat(context.getRoute("demo-worker")).isNotNull();
        }
    }

    @Nested
    class OnWithRedis extends DemoContext {
        @Override
        Map<String, String> properties() {
            return Map.of("redis.host", "redis.test", "gateway.demo-worker.enabled", "TRUE",
                    "gateway.agent.url", "http://agent.test/v1/chat/completions");
        }

        @Test
        void theRedisFeedIsLoaded() throws Exception {
            load();
            AdviceWith.adviceWith(context, "demo-worker-redis", a -> {
                a.replaceFromWith("direct:poll");
                a.weaveByToUri("spring-redis:*").replace().to("mock:rpop");
            });
            context.start();
            assertThat(context.getRoute("demo-worker-redis")).isNotNull();
            assertThat(context.getRoute("demo-worker-memory")).isNull();
            MockEndpoint rpop = getMockEndpoint("mock:rpop");
            rpop.expectedHeaderReceived("CamelRedis.Key", "gateway:jobs:agent1");
            template.sendBody("direct:poll", null);
            rpop.assertIsSatisfied();
        }
    }
}
