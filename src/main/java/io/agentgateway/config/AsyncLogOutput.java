package io.agentgateway.config;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import ch.qos.logback.classic.AsyncAppender;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.UnsynchronizedAppenderBase;

/**
 * The gateway's log output, written by a thread of its own: whoever logs (an event loop telling of a failed answer,
 * say) only puts the event in a bounded queue, and never waits on the output. Written synchronously, a console whose
 * reader stalls (a full pipe to a log shipper that stopped reading) blocked the first event loop that logged, and
 * with it every socket of the gateway.
 * <p>
 * Logback's {@link AsyncAppender} with {@code neverBlock}: when the queue is four-fifths full, INFO and below are
 * dropped first; when it is full, everything. What it drops it counts here, and says so (one WARN line) as soon as
 * the queue has room again, so a gap in the log is never silent.
 * <p>
 * At the JVM's exit, {@link #writeThrough} has each line written by whoever logs it, once the queue is out: a shutdown
 * hook's last line is then neither dropped by a queue still full nor left to a thread the exiting JVM does not wait for.
 */
final class AsyncLogOutput extends AsyncAppender {

    /**
     * Lines waiting for the output at most: a thousand answers failing at once (an agent gone while they stream)
     * each log one WARN, and all of them fit while the output catches up.
     */
    static final int QUEUE_SIZE = 1024;
    static final String NAME = "ASYNC-OUT";

    private final AtomicLong dropped = new AtomicLong();
    private final RepeatThrottle throttle;
    /** the outputs themselves, which {@link #writeThrough} writes to directly */
    private final List<Appender<ILoggingEvent>> outputs = new CopyOnWriteArrayList<>();
    /** calls of {@link #append} under way, so that none still puts a line in the queue once it is drained */
    private final AtomicInteger appending = new AtomicInteger();
    private final CountDownLatch drained = new CountDownLatch(1);
    private volatile boolean writeThrough;
    private volatile ILoggingEvent drainedMarker;

    /** @param throttle which libraries' repeated lines are thinned */
    AsyncLogOutput(RepeatThrottle throttle) {
        this.throttle = throttle;
        setName(NAME);
        setQueueSize(QUEUE_SIZE);
        setNeverBlock(true);
    }

    /** The queue's thread writes to {@code output} (through a watch for {@link #writeThrough}'s marker). */
    @Override
    public void addAppender(Appender<ILoggingEvent> output) {
        outputs.add(output);
        UnsynchronizedAppenderBase<ILoggingEvent> watched = new UnsynchronizedAppenderBase<>() {
            @Override
            protected void append(ILoggingEvent event) {
                if (event == drainedMarker) {
                    drained.countDown(); // every line queued before it is out
                } else {
                    output.doAppend(event);
                }
            }
        };
        watched.setContext(output.getContext());
        watched.start();
        super.addAppender(watched);
    }

    /**
     * From now on each line is written by the thread that logs it, in the order it comes; then waits, up to
     * {@code most}, until the lines queued before are out. For the JVM's exit only: a stalled output then holds up
     * whoever logs.
     */
    void writeThrough(Duration most) throws InterruptedException {
        writeThrough = true;
        long deadline = System.nanoTime() + most.toNanos();
        while (appending.get() > 0 && System.nanoTime() < deadline) {
            Thread.onSpinWait(); // a call that saw the old mode is putting its line in the queue
        }
        ILoggingEvent marker = notice("the log output is written directly from here on");
        drainedMarker = marker;
        super.append(marker);
        drained.await(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    }

    @Override
    protected void append(ILoggingEvent event) {
        appending.incrementAndGet();
        try {
            if (writeThrough) {
                for (Appender<ILoggingEvent> output : outputs) {
                    output.doAppend(event);
                }
            } else {
                queue(event);
            }
        } finally {
            appending.decrementAndGet();
        }
    }

    private void queue(ILoggingEvent event) {
        long leftOut = throttle.letThrough(event);
        if (leftOut == RepeatThrottle.LEAVE_OUT) {
            return;
        }
        int room = getRemainingCapacity();
        // the queue's own rule (AsyncAppenderBase.append), checked here too so that what it drops is counted;
        // a line that loses a race for the last slot is dropped by put() uncounted
        if (room == 0 || (room < getDiscardingThreshold() && isDiscardable(event))) {
            dropped.incrementAndGet();
            return;
        }
        if (dropped.get() > 0 && room >= getDiscardingThreshold()) {
            long lost = dropped.getAndSet(0);
            if (lost > 0) {
                super.append(droppedNotice(lost));
            }
        }
        if (leftOut > 0) {
            super.append(notice("{} more lines like the next one from {} were left out in the last {} s",
                    leftOut, event.getLoggerName(), throttle.windowSeconds()));
        }
        super.append(event);
    }

    private ILoggingEvent droppedNotice(long lost) {
        return notice("{} log lines were dropped: the log output did not keep up (the gateway never waits for it)",
                lost);
    }

    /**
     * A WARN of the output's own, queued directly: logging it through a logger from here would come back to this
     * appender, whose guard against re-entry drops it.
     */
    private ILoggingEvent notice(String format, Object... args) {
        LoggerContext context = (LoggerContext) getContext();
        return new LoggingEvent(AsyncLogOutput.class.getName(), context.getLogger(LogSetup.class), Level.WARN, format,
                null, args);
    }
}
