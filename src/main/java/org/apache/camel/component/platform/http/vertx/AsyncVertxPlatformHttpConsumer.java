package org.apache.camel.component.platform.http.vertx;

import java.util.List;

import io.vertx.core.Context;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangePattern;
import org.apache.camel.Processor;
import org.apache.camel.component.platform.http.PlatformHttpEndpoint;

/**
 * A platform-http consumer that does not hold a thread while a route waits. The stock consumer calls the route
 * synchronously on a Vert.x worker, so a route that waits asynchronously (a tool call waiting for the client's
 * answer) still pins that worker until it completes. This one starts the route on a worker too (its first steps
 * may block) but lets the worker go as soon as the route goes asynchronous, and writes the response on the
 * request's event loop whenever the route completes.
 * <p>
 * It lives in Camel's package because {@link VertxPlatformHttpSupport#writeResponse} is package-private.
 * Form posts and proxy endpoints keep the stock path.
 */
public class AsyncVertxPlatformHttpConsumer extends VertxPlatformHttpConsumer {

    public AsyncVertxPlatformHttpConsumer(PlatformHttpEndpoint endpoint, Processor processor,
                                          List<Handler<RoutingContext>> handlers, String routerName) {
        super(endpoint, processor, handlers, routerName);
    }

    @Override
    protected void handleRequest(RoutingContext ctx) {
        if (isSuspended() || getEndpoint().isHttpProxy()
                || VertxPlatformHttpSupport.isFormUrlEncoded(ctx) || VertxPlatformHttpSupport.isMultiPartFormData(ctx)) {
            super.handleRequest(ctx);
            return;
        }
        Context requestContext = ctx.vertx().getOrCreateContext();
        Exchange exchange = createExchange(false);
        exchange.setPattern(ExchangePattern.InOut);
        processHttpRequest(exchange, ctx).onComplete(parsed -> {
            if (parsed.failed()) {
                fail(exchange, ctx, parsed.cause());
                return;
            }
            ctx.vertx().executeBlocking(() -> {
                createUoW(exchange);
                getAsyncProcessor().process(exchange,
                        doneSync -> requestContext.runOnContext(v -> respond(exchange, ctx)));
                return null;
            }, false).onFailure(cause -> fail(exchange, ctx, cause));
        });
    }

    private void respond(Exchange exchange, RoutingContext ctx) {
        VertxPlatformHttpSupport.writeResponse(ctx, exchange, getEndpoint().getHeaderFilterStrategy(),
                getEndpoint().isMuteException())
                .onComplete(written -> {
                    if (written.failed()) {
                        fail(exchange, ctx, written.cause());
                    } else {
                        doneUoW(exchange);
                        releaseExchange(exchange, false);
                    }
                });
    }

    private void fail(Exchange exchange, RoutingContext ctx, Throwable failure) {
        getExceptionHandler().handleException("Failed handling platform-http endpoint " + getEndpoint().getPath(),
                failure);
        if (!ctx.response().ended()) {
            ctx.fail(failure);
        }
        doneUoW(exchange);
        releaseExchange(exchange, false);
    }
}
