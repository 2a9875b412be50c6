package io.agentgateway.config;

import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;

import javax.management.JMException;
import javax.management.ObjectName;

import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import org.apache.camel.CamelContext;
import org.apache.camel.ExtendedStartupListener;
import org.apache.camel.support.service.ServiceSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gives back to the system the native memory the C library (glibc's malloc) keeps after the JVM freed it. Most of it
 * is the JIT compilers' work areas: an idle gateway held 15-25 MiB of them after start-up, resident for good. This
 * runs the JDK's own {@code System.trim_native_heap} (what {@code jcmd} and {@code -XX:TrimNativeHeapInterval} do)
 * some seconds after the compilers go quiet after a burst (start-up, a warm-up under new load): checked once a
 * second, on a worker thread of its own. Not on Vert.x's shared worker pool: that pool starts a new thread for each
 * task until it is full, so a check a second grew an idle gateway by a thread a second. Where the JVM lacks
 * the command (before 17.0.9) or the C library cannot trim (musl), the first attempt says so in the log and no more
 * are made.
 */
final class NativeMemoryTrim extends ServiceSupport implements ExtendedStartupListener {

    private static final Logger LOG = LoggerFactory.getLogger(NativeMemoryTrim.class);
    private static final long CHECK_MS = 1000;

    private final Vertx vertx;
    private final AfterCompiling when = new AfterCompiling();
    private volatile long timer = -1;
    private volatile WorkerExecutor worker;
    private volatile boolean stopped;
    private CompilationMXBean compiler;

    private NativeMemoryTrim(Vertx vertx) {
        this.vertx = vertx;
    }

    static void install(CamelContext context, Vertx vertx) throws Exception {
        NativeMemoryTrim trim = new NativeMemoryTrim(vertx);
        context.addService(trim);
        context.addStartupListener(trim);
    }

    @Override
    public void onCamelContextStarted(CamelContext context, boolean alreadyStarted) {
        // routes may not be running yet: the checks start with onCamelContextFullyStarted
    }

    @Override
    public void onCamelContextFullyStarted(CamelContext context, boolean alreadyStarted) {
        if (!stopped) {
            worker = vertx.createSharedWorkerExecutor("native-memory-trim", 1);
            timer = vertx.setPeriodic(CHECK_MS, id -> worker.executeBlocking(this::check, false)
                    .onSuccess(goOn -> {
                        if (!goOn) {
                            vertx.cancelTimer(id);
                            worker.close();
                        }
                    }));
        }
    }

    /** One check, and a trim if it is time; false when this JVM or C library cannot trim. */
    private boolean check() {
        if (compiler == null) {
            compiler = ManagementFactory.getCompilationMXBean();
            // the MBean server the trim goes through loads ~900 classes: before the trim, not inside it, so that
            // what loading them freed is trimmed too
            ManagementFactory.getPlatformMBeanServer();
        }
        if (compiler == null || !compiler.isCompilationTimeMonitoringSupported()) {
            return false; // no JIT (-Xint) or no way to tell when it is quiet
        }
        return !when.trimNow(compiler.getTotalCompilationTime()) || trim();
    }

    /** One trim; false when this JVM or C library cannot (then it is not tried again). */
    static boolean trim() {
        try {
            Object result = ManagementFactory.getPlatformMBeanServer().invoke(
                    new ObjectName("com.sun.management:type=DiagnosticCommand"), "systemTrimNativeHeap",
                    new Object[] {null}, new String[] {String[].class.getName()});
            String said = String.valueOf(result).strip();
            if (said.contains("Not available")) {
                LOG.info("Native memory is not trimmed: {}", said);
                return false;
            }
            LOG.debug("{}", said);
            return true;
        } catch (JMException | RuntimeException e) {
            LOG.info("Native memory is not trimmed: this JVM has no System.trim_native_heap ({})", e.toString());
            return false;
        }
    }

    @Override
    protected void doStop() {
        stopped = true;
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
        if (worker != null) {
            worker.close();
        }
    }

    /**
     * When to trim, from the JIT's total compilation time read once a check: the compilers have been quiet for
     * {@link #QUIET_CHECKS} checks, and compiled enough since the last trim for their freed work areas to be worth
     * one. Quiet for that long because the JVM keeps the compilers' freed work areas in a pool of its own for up to
     * 5 s before it frees them to the C library: a trim sooner finds little to give back.
     */
    static final class AfterCompiling {
        /** Compiling in one check's time that still counts as quiet. */
        static final long QUIET_MS = 20;
        static final int QUIET_CHECKS = 6;
        /** Compiling since the last trim that makes another worth it. */
        static final long WORTH_MS = 200;

        private long seen = -1;
        private int quietChecks;
        private long atLastTrim;

        boolean trimNow(long totalCompilationMs) {
            quietChecks = seen >= 0 && totalCompilationMs - seen <= QUIET_MS ? quietChecks + 1 : 0;
            seen = totalCompilationMs;
            if (quietChecks >= QUIET_CHECKS && totalCompilationMs - atLastTrim >= WORTH_MS) {
                atLastTrim = totalCompilationMs;
                return true;
            }
            return false;
        }
    }
}
