package io.agentgateway.config;

import java.util.Locale;

import ch.qos.logback.core.PropertyDefinerBase;

/**
 * The log format for logback.xml: {@code json} or {@code text}, from the system property {@code gateway.log.format}
 * or the environment variable {@code GATEWAY__LOG_FORMAT}.
 *
 * <p>Logback starts before Camel reads application.properties, so the format is taken from the launch
 * environment here. This class never fails: an unknown value yields
 * {@code text}, so that the start-up error {@link GatewaySettings} then raises for it is readable.
 */
public class LogFormatProperty extends PropertyDefinerBase {

    public static final String SYSTEM_PROPERTY = "gateway.log.format";
    public static final String ENV = "GATEWAY__LOG_FORMAT";

    @Override
    public String getPropertyValue() {
        return resolve(System.getProperty(SYSTEM_PROPERTY), System.getenv(ENV));
    }

    /** The appender name logback.xml selects: "json" only for a json setting, otherwise "text". */
    static String resolve(String systemProperty, String env) {
        String v = systemProperty != null && !systemProperty.isBlank() ? systemProperty : env;
        return v != null && v.trim().toLowerCase(Locale.ROOT).equals("json") ? "json" : "text";
    }
}
