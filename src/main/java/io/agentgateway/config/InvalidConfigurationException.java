package io.agentgateway.config;

/** A setting has a value the gateway cannot run with; the message names the setting and says why. */
public class InvalidConfigurationException extends RuntimeException {

    public InvalidConfigurationException(String message) {
        super(message);
    }
}
