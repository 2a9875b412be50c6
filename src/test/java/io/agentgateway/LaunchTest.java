package io.agentgateway;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.JarOutputStream;
import java.util.zip.ZipEntry;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/** Which route files a start without a routes/ directory loads from the jar. */
class LaunchTest {

    @TempDir
    Path dir;

    @Test
    void theJarsRouteFilesAreNamedOneByOneSoThatCamelDoesNotReadTheWholeJar() throws IOException {
        Path jar = dir.resolve("gateway.jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
            for (String name : new String[] {"routes/", "routes/queue.yaml", "io/agentgateway/App.class",
                    "routes/agent-http.yaml", "routes/README.md", "routes/old/ignored.yaml", "other.yaml"}) {
                out.putNextEntry(new ZipEntry(name));
                out.closeEntry();
            }
        }

        assertThat(Launch.packagedRoutes(jar))
                .isEqualTo("classpath:routes/agent-http.yaml,classpath:routes/queue.yaml");
    }

    @Test
    void fromADirectoryOfClassesOrAJarWithoutRoutesTheWildcardStays() throws IOException {
        assertThat(Launch.packagedRoutes(dir)).isEqualTo("classpath:routes/*.yaml");
        Path jar = dir.resolve("empty.jar");
        try (OutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
            out.flush();
        }
        assertThat(Launch.packagedRoutes(jar)).isEqualTo("classpath:routes/*.yaml");
        assertThat(Launch.packagedRoutes(null)).isEqualTo("classpath:routes/*.yaml");
    }
}
