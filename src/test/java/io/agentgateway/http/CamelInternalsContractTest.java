package io.agentgateway.http;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;

import io.vertx.core.Future;
import io.vertx.ext.web.RoutingContext;
import org.apache.camel.Exchange;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpConsumer;
import org.apache.camel.spi.HeaderFilterStrategy;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * AsyncVertxPlatformHttpConsumer lives in Camel's package because the one method that writes a platform-http response,
 * {@code VertxPlatformHttpSupport.writeResponse}, is package-private in Camel 4.17, and it overrides the stock
 * consumer's request handling. This test names exactly what it relies on, so a Camel upgrade that changes any of it
 * fails here, with this explanation, rather than somewhere in a tool call.
 */
class CamelInternalsContractTest {

    private static final String WHY = "a Camel upgrade changed what "
            + "org.apache.camel.component.platform.http.vertx.AsyncVertxPlatformHttpConsumer relies on: re-check that "
            + "class against the new VertxPlatformHttpConsumer (README, 'REST routes that wait hold no thread')";

    @Test
    void writeResponseIsStillTheStaticPackagePrivateMethodWeCall() throws Exception {
        Class<?> support = Class.forName("org.apache.camel.component.platform.http.vertx.VertxPlatformHttpSupport");
        Method write = support.getDeclaredMethod("writeResponse", RoutingContext.class, Exchange.class,
                HeaderFilterStrategy.class, boolean.class);
        assertThat(Modifier.isStatic(write.getModifiers())).as(WHY).isTrue();
        assertThat(write.getReturnType()).as(WHY).isEqualTo(Future.class);
        assertThat(Modifier.isPublic(write.getModifiers()))
                .as("writeResponse became public: the consumer can move out of Camel's package now").isFalse();
    }

    @Test
    void theStockConsumerStillHasTheHooksWeOverrideAndCall() throws Exception {
        Method handle = VertxPlatformHttpConsumer.class.getDeclaredMethod("handleRequest", RoutingContext.class);
        assertThat(Modifier.isProtected(handle.getModifiers())).as(WHY).isTrue();
        Method populate = VertxPlatformHttpConsumer.class.getDeclaredMethod("processHttpRequest", Exchange.class,
                RoutingContext.class);
        assertThat(populate.getReturnType()).as(WHY).isEqualTo(Future.class);
    }
}
