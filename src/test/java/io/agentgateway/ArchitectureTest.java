package io.agentgateway;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.stream.Stream;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * The package map: one package per capability, no cycles, and each package uses only the packages listed for it here.
 * A feature (chat, judgement, tool, demo) never reaches into another feature; everything may use {@code common}.
 */
class ArchitectureTest {

    private static final JavaClasses GATEWAY = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.agentgateway");

    /** Each package, and the gateway packages it may use besides itself. */
    static final Map<String, Set<String>> MAY_USE = allowed();

    private static Map<String, Set<String>> allowed() {
        Map<String, Set<String>> m = new LinkedHashMap<>();
        m.put("common", Set.of());
        m.put("auth", Set.of("common"));
        m.put("session", Set.of("common"));
        m.put("queue", Set.of("common"));
        m.put("ws", Set.of("common"));
        m.put("http", Set.of("common"));
        m.put("chat", Set.of("common", "session", "queue"));
        m.put("judgement", Set.of("common", "queue"));
        m.put("tool", Set.of("common", "session", "auth"));
        m.put("demo", Set.of("common", "queue"));
        // the Micrometer side of common.GatewayMetrics; features call the interface and never see this package
        m.put("metrics", Set.of("common"));
        // config wires everything together and is used by nothing but the launcher
        m.put("config", Set.of("common", "auth", "session", "queue", "ws", "http", "chat", "judgement", "tool", "demo",
                "metrics"));
        return m;
    }

    @Test
    void thePackageGraphHasNoCycles() {
        slices().matching("io.agentgateway.(*)..").should().beFreeOfCycles().check(GATEWAY);
    }

    @TestFactory
    Stream<DynamicTest> eachPackageUsesOnlyWhatItMay() {
        return MAY_USE.entrySet().stream().map(e -> DynamicTest.dynamicTest(e.getKey(), () -> {
            Set<String> forbidden = new TreeSet<>(MAY_USE.keySet());
            forbidden.removeAll(e.getValue());
            forbidden.remove(e.getKey());
            String[] packages = forbidden.stream().map(p -> "io.agentgateway." + p + "..").toArray(String[]::new);
            noClasses().that().resideInAPackage("io.agentgateway." + e.getKey() + "..")
                    .should().dependOnClassesThat().resideInAnyPackage(packages)
                    .because(e.getKey() + " may use only " + e.getValue())
                    .allowEmptyShould(true)
                    .check(GATEWAY);
        }));
    }

    @Test
    void everyClassLivesInAMappedPackage() {
        Set<String> packages = new TreeSet<>();
        GATEWAY.forEach(c -> packages.add(c.getPackageName()));
        packages.remove("io.agentgateway"); // App and Launch
        assertThat(packages).as("a new package needs a line in MAY_USE")
                .allSatisfy(p -> assertThat(MAY_USE).containsKey(p.substring("io.agentgateway.".length()).split("\\.")[0]));
    }
}
