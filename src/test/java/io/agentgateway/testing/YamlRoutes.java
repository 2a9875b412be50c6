package io.agentgateway.testing;

import java.util.Map;
import java.util.Properties;

import org.apache.camel.CamelContext;
import org.apache.camel.support.PluginHelper;
import org.apache.camel.support.ResourceHelper;

/** Loads the repository's routes/*.yaml into a test's CamelContext, with the properties they refer to. */
public final class YamlRoutes {

    private YamlRoutes() {
    }

    /** Properties every YAML edge refers to, at harmless values; a test overrides what it checks. */
    public static Properties defaults(Map<String, String> overrides) {
        Properties p = new Properties();
        p.put("redis.host", "");
        p.put("redis.port", "6379");
        p.put("gateway.queue.prefix", "gateway:");
        p.put("gateway.instance-id", "test-instance");
        p.put("gateway.agent.url", "");
        p.put("gateway.agent.endpoint", "http://127.0.0.1:9/v1/chat/completions");
        p.put("gateway.agent.timeout-ms", "1000");
        p.put("gateway.agent.max-streams", "1000");
        p.put("gateway.demo-agent.path", "/demo/v1/chat/completions");
        p.put("gateway.demo-worker.enabled", "auto");
        p.put("gateway.demo-worker.delay-ms", "0");
        p.putAll(overrides);
        return p;
    }

    public static void load(CamelContext context, String... files) throws Exception {
        for (String file : files) {
            PluginHelper.getRoutesLoader(context)
                    .loadRoutes(ResourceHelper.resolveMandatoryResource(context, "file:routes/" + file));
        }
    }
}
