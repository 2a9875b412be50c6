package io.agentgateway.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code GATEWAY__*} environment variables no setting reads. Without a word at start-up, a typo
 * ({@code GATEWAY__REQUEST_TIMOUT}) or a setting that is gone would be ignored, and the operator would believe it
 * applied. The variables read are those the loaded properties name in {@code {{env:NAME}}} placeholders, and
 * {@link LogSetup#ENV}, which is read before Camel starts.
 */
final class UnreadVariables {

    private static final String PREFIX = "GATEWAY__";
    private static final Pattern ENV_PLACEHOLDER = Pattern.compile("\\{\\{env:([A-Za-z0-9_]+)");
    /** settings that were removed, with why nothing replaces them */
    private static final Map<String, String> REMOVED = Map.of("GATEWAY__VIRTUAL_THREADS",
            "it was removed, as answers stream without holding a thread on any JDK");

    private UnreadVariables() {
    }

    /** One warning per variable set in {@code env} that nothing in {@code properties} reads, by name. */
    static List<String> warnings(Map<String, String> env, Properties properties) {
        Set<String> read = new TreeSet<>(Set.of(LogSetup.ENV));
        for (String key : properties.stringPropertyNames()) {
            Matcher m = ENV_PLACEHOLDER.matcher(properties.getProperty(key));
            while (m.find()) {
                read.add(m.group(1));
            }
        }
        List<String> warnings = new ArrayList<>();
        for (String name : new TreeSet<>(env.keySet())) {
            if (name.startsWith(PREFIX) && !read.contains(name)) {
                warnings.add(name + " is set but no setting reads it: "
                        + REMOVED.getOrDefault(name, "check its name against application.properties"));
            }
        }
        return warnings;
    }
}
