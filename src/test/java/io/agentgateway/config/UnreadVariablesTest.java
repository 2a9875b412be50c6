package io.agentgateway.config;

import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class UnreadVariablesTest {

    @Test
    void aVariableNoSettingReadsIsNamedAndTheReadOnesAreNot() throws Exception {
        Properties shipped = new Properties();
        try (Reader in = Files.newBufferedReader(Path.of("application.properties"))) {
            shipped.load(in);
        }
        Map<String, String> env = Map.of(
                "GATEWAY__REQUEST_TIMOUT", "5",
                "GATEWAY__REQUEST_TIMEOUT", "5",
                "GATEWAY__LOG_FORMAT", "json",
                "GATEWAY__VIRTUAL_THREADS", "true",
                "REDIS_HOST", "",
                "PATH", "/usr/bin");

        assertThat(UnreadVariables.warnings(env, shipped)).containsExactly(
                "GATEWAY__REQUEST_TIMOUT is set but no setting reads it: check its name against "
                        + "application.properties",
                "GATEWAY__VIRTUAL_THREADS is set but no setting reads it: it was removed, as answers stream "
                        + "without holding a thread on any JDK");
    }

    @Test
    void everyVariableThePropertiesNameCountsAsRead() {
        Properties properties = new Properties();
        properties.setProperty("gateway.a", "{{env:GATEWAY__A:1}}");
        properties.setProperty("gateway.b", "x {{env:GATEWAY__B}} and {{env:GATEWAY__C:}}");

        assertThat(UnreadVariables.warnings(Map.of("GATEWAY__A", "", "GATEWAY__B", "", "GATEWAY__C", ""), properties))
                .isEmpty();
        assertThat(UnreadVariables.warnings(Map.of("GATEWAY__D", ""), properties)).hasSize(1);
    }
}
