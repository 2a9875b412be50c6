package io.agentgateway.config;

import io.agentgateway.config.NativeMemoryTrim.AfterCompiling;
import org.junit.jupiter.api.Test;

import static io.agentgateway.config.NativeMemoryTrim.AfterCompiling.QUIET_CHECKS;
import static org.assertj.core.api.Assertions.assertThat;

class NativeMemoryTrimTest {

    /** Feeds {@code checks} readings of the JIT's total compilation time, each {@code step} ms on; true if any trims. */
    private static boolean run(AfterCompiling when, long[] total, int checks, long step) {
        boolean trimmed = false;
        for (int i = 0; i < checks; i++) {
            total[0] += step;
            trimmed |= when.trimNow(total[0]);
        }
        return trimmed;
    }

    @Test
    void trimsOnceTheCompilersHaveBeenQuietForSomeChecksAfterABurst() {
        AfterCompiling when = new AfterCompiling();
        long[] total = {0};
        assertThat(run(when, total, 10, 300)).as("compiling every check").isFalse();
        assertThat(run(when, total, QUIET_CHECKS - 1, 0)).as("not quiet for long enough yet").isFalse();
        assertThat(when.trimNow(total[0])).as("quiet for " + QUIET_CHECKS + " checks").isTrue();
        assertThat(run(when, total, 30, 0)).as("nothing compiled since the trim").isFalse();
    }

    @Test
    void aLittleCompilingNeitherBreaksTheQuietNorEarnsAnotherTrim() {
        AfterCompiling when = new AfterCompiling();
        long[] total = {0};
        run(when, total, 5, 400);
        assertThat(run(when, total, QUIET_CHECKS + 1, AfterCompiling.QUIET_MS)).as("a few ms a check is quiet").isTrue();
        assertThat(run(when, total, 50, 1)).as("less than worth a trim since").isFalse();
        assertThat(run(when, total, 2, AfterCompiling.WORTH_MS)).as("a new burst").isFalse();
        assertThat(run(when, total, QUIET_CHECKS, 0)).as("quiet after it").isTrue();
    }

    @Test
    void theJdksTrimRunsOnThisJvm() {
        // JDK 17.0.9+ on glibc: where this fails the gateway logs that it does not trim, and keeps running
        assertThat(NativeMemoryTrim.trim()).isTrue();
    }
}
