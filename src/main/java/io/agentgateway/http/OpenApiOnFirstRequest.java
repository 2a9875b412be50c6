package io.agentgateway.http;

import java.util.Map;

import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.apache.camel.openapi.OpenApiRestApiProcessorFactory;
import org.apache.camel.spi.RestApiProcessorFactory;
import org.apache.camel.spi.RestConfiguration;
import org.apache.camel.support.service.ServiceHelper;
import org.apache.camel.support.service.ServiceSupport;

/**
 * camel-openapi-java's {@code /openapi.json}, built on the first request instead of at start-up. Its processor
 * renders the document (JSON and YAML, through swagger-core and Jackson's YAML module) when its route starts: about
 * 600 classes and a few hundred milliseconds before the gateway is ready, for a document few clients ever fetch.
 * Bound in the registry, this factory is the one camel-rest's {@code rest-api} endpoint uses (it takes the only
 * {@link RestApiProcessorFactory} bean there is); the first request (on a platform-http worker thread, not an event
 * loop) creates and starts the stock processor, which renders and keeps the document as before.
 */
public class OpenApiOnFirstRequest implements RestApiProcessorFactory {

    @Override
    public Processor createApiProcessor(CamelContext context, String contextPath, RestConfiguration configuration,
                                        Map<String, Object> parameters) {
        return new Deferred(() -> new OpenApiRestApiProcessorFactory()
                .createApiProcessor(context, contextPath, configuration, parameters));
    }

    /** Creates the stock processor when first asked; stops it with the route. */
    private static final class Deferred extends ServiceSupport implements Processor {

        private interface Factory {
            Processor create() throws Exception;
        }

        private final Factory factory;
        private volatile Processor delegate;

        Deferred(Factory factory) {
            this.factory = factory;
        }

        @Override
        public void process(Exchange exchange) throws Exception {
            delegate().process(exchange);
        }

        private Processor delegate() throws Exception {
            Processor p = delegate;
            if (p == null) {
                synchronized (this) {
                    p = delegate;
                    if (p == null) {
                        p = factory.create();
                        ServiceHelper.startService(p); // renders the document
                        delegate = p;
                    }
                }
            }
            return p;
        }

        @Override
        protected void doStop() {
            ServiceHelper.stopService(delegate);
        }
    }
}
