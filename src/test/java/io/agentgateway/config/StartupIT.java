package io.agentgateway.config;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.agentgateway.App;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

/** The real launcher in its own JVM: a bad setting stops start-up with one line that names it. */
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
}
