package io.agentgateway.config;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.agentgateway.App;
import io.agentgateway.testing.GatewayProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The real launcher in its own JVM: a bad setting stops start-up with one line that names it; a variable no setting
 * reads is named too, and start-up goes on.
 */
class StartupIT {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "PORT                    | abc          | PORT (gateway.http.port) = 'abc' is not a whole number",
        "GATEWAY__AGENT_URL      | htp:/broken  | GATEWAY__AGENT_URL (gateway.agent.url) = 'htp:/broken' must be an absolute http",
        "GATEWAY__REQUEST_TIMEOUT| -5           | GATEWAY__REQUEST_TIMEOUT (gateway.request-timeout) = '-5' must be a number of seconds above 0",
    })
    void aBadSettingStopsStartUpWithOneClearLine(String variable, String value, String expected) throws Exception {
        String java = System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
        ProcessBuilder pb = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), App.class.getName());
        Map<String, String> env = pb.environment();
        env.put(variable, value);
        env.put("PORT", variable.equals("PORT") ? value : "0");
        Process p = pb.start();
        p.getOutputStream().close();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String stderr = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        String stdout = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.exitValue()).isEqualTo(App.EXIT_BAD_CONFIGURATION);
        List<String> lines = stderr.lines().filter(l -> !l.isBlank()).toList();
        assertThat(lines).singleElement().asString()
                .startsWith("agent-gateway: invalid configuration: " + expected.strip());
        assertThat(stdout + stderr).doesNotContain("Exception").doesNotContain("\tat ");
    }

    @Test
    void aVariableNoSettingReadsIsNamedInAWarningAndStartUpGoesOn() throws Exception {
        try (GatewayProcess gateway = GatewayProcess.start("unread-variables", Map.of(
                "GATEWAY__REQUEST_TIMOUT", "5",
                "GATEWAY__REQUEST_TIMEOUT", "5",
                "GATEWAY__VIRTUAL_THREADS", "true"))) {
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(gateway.log())
                    .contains("WARN  [main] i.a.config.GatewayConfiguration - GATEWAY__REQUEST_TIMOUT is set but no "
                            + "setting reads it: check its name against application.properties")
                    .contains("GATEWAY__VIRTUAL_THREADS is set but no setting reads it: it was removed"));
            assertThat(gateway.log()).doesNotContain("GATEWAY__REQUEST_TIMEOUT is set");
        }
    }
}
