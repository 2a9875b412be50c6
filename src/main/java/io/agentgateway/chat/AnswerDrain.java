package io.agentgateway.chat;

import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;

import org.apache.camel.spi.CamelEvent;
import org.apache.camel.spi.CamelEvent.CamelContextStoppingEvent;
import org.apache.camel.support.EventNotifierSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A stopping gateway lets the answers streaming here end, for up to Camel's shutdown timeout
 * ({@code camel.main.shutdown-timeout}, GATEWAY__SHUTDOWN_TIMEOUT), before its routes stop. Camel's graceful
 * shutdown waits only for exchanges in flight, and an answer holds none once it has begun (agent-stream's
 * {@code streamEnd}); new turns are refused meanwhile ({@link TurnControl#begin}). Runs on the thread that stops the
 * context, never an event loop.
 */
public class AnswerDrain extends EventNotifierSupport {

    private static final Logger LOG = LoggerFactory.getLogger(AnswerDrain.class);
    private static final long POLL_MS = 20;

    private final IntSupplier streaming;

    public AnswerDrain(IntSupplier streaming) {
        this.streaming = streaming;
    }

    @Override
    public boolean isEnabled(CamelEvent event) {
        return event instanceof CamelContextStoppingEvent;
    }

    @Override
    public void notify(CamelEvent event) throws Exception {
        var shutdown = ((CamelContextStoppingEvent) event).getContext().getShutdownStrategy();
        long timeoutNanos = shutdown.getTimeUnit().toNanos(shutdown.getTimeout());
        long deadline = System.nanoTime() + timeoutNanos;
        int left = streaming.getAsInt();
        if (left > 0) {
            LOG.info("Stopping: waiting up to {} s for {} answers streaming to end",
                    TimeUnit.NANOSECONDS.toSeconds(timeoutNanos), left);
        }
        while ((left = streaming.getAsInt()) > 0 && System.nanoTime() < deadline) {
            Thread.sleep(POLL_MS);
        }
        if (left > 0) {
            LOG.warn("Stopping with {} answers still streaming: they end with an error final", left);
        }
    }
}
