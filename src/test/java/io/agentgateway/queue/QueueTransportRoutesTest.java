package io.agentgateway.queue;

import java.time.Duration;
import java.util.Map;
import java.util.Properties;

import io.agentgateway.testing.YamlRoutes;
import org.apache.camel.builder.AdviceWith;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.component.mock.MockEndpoint;
import org.apache.camel.spi.Registry;
import org.apache.camel.test.junit5.CamelTestSupport;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** routes/queue*.yaml alone: which transport carries direct:queue-enqueue and direct:queue-publish, and how. */
class QueueTransportRoutesTest {

    @Nested
    class WithoutRedis extends CamelTestSupport {

        @Override
        public boolean isUseAdviceWith() {
            return true;
        }

        @Override
        protected Properties useOverridePropertiesWithPropertiesComponent() {
            return YamlRoutes.defaults(Map.of());
        }

        @Test
        void jobsGoToTheInProcessQueueAndRepliesStraightToQueueReply() throws Exception {
            YamlRoutes.load(context, "queue.yaml", "queue-memory.yaml", "queue-redis.yaml");
            context.addRoutes(new RouteBuilder() {
                @Override
                public void configure() {
                    from("seda:gateway-jobs").to("mock:jobs");
                    from("direct:queue-reply").to("mock:replies");
                }
            });
            context.start();
            assertThat(context.getRoute("redis-enqueue")).as("the Redis transport is not loaded").isNull();
            assertThat(context.getRoute("redis-replies")).isNull();

            MockEndpoint jobs = getMockEndpoint("mock:jobs");
            jobs.expectedBodiesReceived("{\"job\":1}");
            template.sendBodyAndHeader("direct:queue-enqueue", "{\"job\":1}", "GatewayAgentId", "agent1");
            jobs.assertIsSatisfied();

            MockEndpoint replies = getMockEndpoint("mock:replies");
            replies.expectedBodiesReceived("{\"reply\":1}");
            template.sendBody("direct:queue-publish", "{\"reply\":1}");
            replies.assertIsSatisfied();
        }
    }

    /** Stands for the subscription container: whether this instance's reply channel is subscribed. */
    public static final class Subscription {
        volatile boolean subscribed = true;

        public void requireSubscribed() {
            if (!subscribed) {
                throw new IllegalStateException("not subscribed");
            }
        }
    }

    @Nested
    class WithRedis extends CamelTestSupport {

        private final Subscription replies = new Subscription();

        @Override
        protected void bindToRegistry(Registry registry) {
            registry.bind("redisListenerContainer", replies);
            registry.bind("jobListExpiry", new JobListExpiry(Duration.ofSeconds(60), System::nanoTime));
        }

        @Override
        public boolean isUseAdviceWith() {
            return true;
        }

        @Override
        protected Properties useOverridePropertiesWithPropertiesComponent() {
            return YamlRoutes.defaults(Map.of("redis.host", "redis.test", "gateway.queue.prefix", "gw:",
                    "gateway.instance-id", "i1"));
        }

        @Test
        void jobsAreLpushedOnTheAgentsListAndRepliesPublishedToReplyTo() throws Exception {
            YamlRoutes.load(context, "queue.yaml", "queue-memory.yaml", "queue-redis.yaml");
            AdviceWith.adviceWith(context, "redis-enqueue", a -> {
                a.weaveByToUri("spring-redis:.*command=LPUSH.*").replace().to("mock:lpush");
                a.weaveByToUri("spring-redis:.*command=EXPIRE.*").replace().to("mock:expire");
            });
            AdviceWith.adviceWith(context, "redis-publish", a -> a.weaveByToUri("spring-redis:*").replace().to("mock:publish"));
            AdviceWith.adviceWith(context, "redis-replies", a -> {
                assertThat(context.resolvePropertyPlaceholders(a.getOriginalRoute().getInput().getEndpointUri()))
                        .startsWith("spring-redis://redis.test:6379?channels=gw:replies:i1&command=SUBSCRIBE");
                a.replaceFromWith("direct:subscribed");
            });
            context.addRoutes(new RouteBuilder() {
                @Override
                public void configure() {
                    from("direct:queue-reply").to("mock:replies");
                }
            });
            context.start();
            assertThat(context.getRoute("memory-enqueue")).as("the in-process transport is not loaded").isNull();
            assertThat(context.getRoute("memory-publish")).isNull();

            MockEndpoint lpush = getMockEndpoint("mock:lpush");
            lpush.expectedHeaderReceived("CamelRedis.Key", "gw:jobs:agent7");
            lpush.expectedHeaderReceived("CamelRedis.Value", "{\"job\":2}");
            MockEndpoint expire = getMockEndpoint("mock:expire");
            expire.expectedMessageCount(1); // the second job to the same list within the second renews nothing
            expire.expectedHeaderReceived("CamelRedis.Key", "gw:jobs:agent7");
            expire.expectedHeaderReceived("CamelRedis.Timeout", 61L);
            template.sendBodyAndHeader("direct:queue-enqueue", "{\"job\":2}", "GatewayAgentId", "agent7");
            lpush.assertIsSatisfied();
            lpush.reset();
            lpush.expectedMessageCount(1);
            template.sendBodyAndHeader("direct:queue-enqueue", "{\"job\":3}", "GatewayAgentId", "agent7");
            lpush.assertIsSatisfied();
            expire.assertIsSatisfied();

            // while the reply channel is not subscribed, a job is refused before it is queued
            replies.subscribed = false;
            lpush.reset();
            lpush.expectedMessageCount(0);
            assertThatThrownBy(() -> template.sendBodyAndHeader("direct:queue-enqueue", "{\"job\":4}",
                    "GatewayAgentId", "agent7")).hasRootCauseMessage("not subscribed");
            lpush.assertIsSatisfied();

            MockEndpoint publish = getMockEndpoint("mock:publish");
            publish.expectedHeaderReceived("CamelRedis.Channel", "gw:replies:other");
            publish.expectedHeaderReceived("CamelRedis.Message", "{\"reply\":2}");
            template.sendBodyAndHeader("direct:queue-publish", "{\"reply\":2}", "GatewayReplyTo", "gw:replies:other");
            publish.assertIsSatisfied();

            MockEndpoint replies = getMockEndpoint("mock:replies");
            replies.expectedBodiesReceived("{\"from\":\"redis\"}");
            template.sendBody("direct:subscribed", "{\"from\":\"redis\"}");
            replies.assertIsSatisfied();
        }
    }
}
