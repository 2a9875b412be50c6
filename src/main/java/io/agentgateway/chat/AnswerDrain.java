package io.agentgateway.chat;

import java.util.concurrent.TimeUnit;

import org.apache.camel.spi.CamelEvent;
import org.apache.camel.spi.CamelEvent.CamelContextStoppingEvent;
import org.apache.camel.support.EventNotifierSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A stopping gateway lets the answers streaming here end, for up to Camel's shutdown timeout
 * ({@code camel.main.shutdown-timeout}, GATEWAY__SHUTDOWN_TIMEOUT), before its routes stop. Camel's graceful
 * shutdown waits only for exchanges in flight, and an answer holds none once it has begun (agent-stream's
 * {@code streamEnd}); new turns are refused meanwhile ({@link TurnControl#begin}). The answers still streaming then
 * end with the "stopping" final ({@link AgentStreamEnd#STOPPING}). Runs on the thread that stops the context, never
 * an event loop.
 */
public class AnswerDrain extends EventNotifierSupport {

    private static final Logger LOG = LoggerFactory.getLogger(AnswerDrain.class);
    private static final long POLL_MS = 20;

    private final StreamRegistry streams;

    public AnswerDrain(StreamRegistry streams) {
        this.streams = streams;
        // A notifier that takes exchange events makes Camel build an event for every exchange and every hop (and time
        // each send): this one needs only the context's stop.
        setIgnoreExchangeEvents(true);
        setIgnoreRouteEvents(true);
        setIgnoreServiceEvents(true);
        setIgnoreStepEvents(true);
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
        int left = streams.active();
        if (left > 0) {
            LOG.info("Stopping: waiting up to {} s for {} streaming to end",
                    TimeUnit.NANOSECONDS.toSeconds(timeoutNanos), answers(left));
        }
        while ((left = streams.active()) > 0 && System.nanoTime() < deadline) {
            Thread.sleep(POLL_MS);
        }
        if (left > 0) {
            LOG.warn("Stopping with {} still streaming: {} with an error final", answers(left),
                    left == 1 ? "it ends" : "they end");
            // Ended here, while the routes and the shared session store still run, so that each final is also kept
            // where a client resuming on another instance reads it; left to the agent calls' close later in the stop,
            // the final would reach the socket but not the store, and a resume elsewhere would get "interrupted".
            for (Turn turn : streams.streaming()) {
                turn.fail(AgentStreamEnd.STOPPING);
            }
        }
    }

    private static String answers(int n) {
        return n == 1 ? "1 answer" : n + " answers";
    }
}
