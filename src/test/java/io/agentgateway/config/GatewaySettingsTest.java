package io.agentgateway.config;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class GatewaySettingsTest {

    private static Map<String, String> defaults() {
        Map<String, String> m = new HashMap<>();
        m.put("gateway.http.host", "0.0.0.0");
        m.put("gateway.http.port", "8000");
        m.put("gateway.debug", "false");
        m.put("gateway.agent.url", "");
        m.put("gateway.agent.model", "default");
        m.put("gateway.request-timeout", "30");
        m.put("gateway.agent.max-streams", "1000");
        m.put("gateway.cors.origins", "*");
        m.put("gateway.ws.max-message-bytes", "1048576");
        m.put("gateway.ws.ping-interval", "25");
        m.put("gateway.ws.idle-timeout", "75");
        m.put("gateway.session.resume-grace", "15");
        m.put("gateway.session.ttl", "600");
        m.put("gateway.session.buffer-bytes", "1048576");
        m.put("gateway.session.merged-frame-bytes", "65536");
        m.put("gateway.ws.send-buffer-bytes", "0");
        m.put("gateway.session.slow-client-timeout", "30");
        m.put("gateway.session.max-answer-bytes", "4194304");
        m.put("gateway.history.max-messages", "20");
        m.put("gateway.tool.max-timeout", "300");
        m.put("gateway.tool.max-pending-per-session", "16");
        m.put("gateway.queue.prefix", "gateway:");
        m.put("gateway.judgement.timeout", "60");
        m.put("gateway.judgement.max-agents", "16");
        m.put("gateway.demo-worker.enabled", "auto");
        m.put("gateway.demo-worker.agents", "agent1,agent2");
        m.put("redis.port", "6379");
        m.put("gateway.chat.backend", "http");
        m.put("gateway.chat.queue-agent", "chat");
        m.put("redis.db", "0");
        m.put("gateway.demo-agent.path", "/demo/v1/chat/completions");
        m.put("gateway.demo-agent.word-delay-ms", "120");
        m.put("gateway.demo-agent.max-streams", "8");
        return m;
    }

    private static GatewaySettings load(Map<String, String> m) {
        return GatewaySettings.load(k -> m.getOrDefault(k, ""));
    }

    @Test
    void eachStartIsANewInstanceEvenUnderTheSameName() {
        String first = GatewaySettings.instanceId(java.util.Optional.of("gw-a"));
        String restarted = GatewaySettings.instanceId(java.util.Optional.of("gw-a"));
        assertThat(first).matches("gw-a-[0-9a-f]{8}");
        assertThat(restarted).matches("gw-a-[0-9a-f]{8}").isNotEqualTo(first);
        assertThat(GatewaySettings.instanceId(java.util.Optional.empty())).hasSize(36);
    }

    @Test
    void defaultsGiveTheDemoAgentOnTheGatewaysOwnPort() {
        GatewaySettings s = load(defaults());
        assertThat(s.usesDemoAgent()).isTrue();
        assertThat(s.agentEndpoint()).isEqualTo("http://127.0.0.1:8000/demo/v1/chat/completions");
        assertThat(s.requestTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(s.wsMaxMessageBytes()).isEqualTo(1024 * 1024);
        assertThat(s.fixedSecret()).isEmpty();
        assertThat(s.corsOrigins()).containsExactly("*");
        assertThat(s.resumeGrace()).isEqualTo(Duration.ofSeconds(15));
        assertThat(s.sessionTtl()).isEqualTo(Duration.ofSeconds(600));
        assertThat(s.sessionBufferBytes()).isEqualTo(1 << 20);
    }

    @Test
    void laneThreadsDefaultToTheCoresWithoutRedisAndToMoreWithItAndOneEventLoopServes() {
        int cores = Math.max(2, Runtime.getRuntime().availableProcessors());
        GatewaySettings alone = load(defaults());
        assertThat(alone.wsIngressThreads()).isEqualTo(cores);
        assertThat(alone.wsSessionThreads()).isEqualTo(cores);

        Map<String, String> m = defaults();
        m.put("redis.host", "127.0.0.1");
        GatewaySettings shared = load(m);
        assertThat(shared.wsIngressThreads()).isEqualTo(16);
        assertThat(shared.wsSessionThreads()).isEqualTo(32);

        assertThat(alone.eventLoops()).isEqualTo(1);
        m.put("gateway.http.event-loops", "5");
        assertThat(load(m).eventLoops()).isEqualTo(5);

        m.put("gateway.ws.ingress-threads", "3");
        m.put("gateway.ws.session-threads", "5");
        assertThat(load(m).wsIngressThreads()).isEqualTo(3);
        assertThat(load(m).wsSessionThreads()).isEqualTo(5);
    }

    @Test
    void aResumeGraceOfZeroTurnsItOffAndBadSessionSettingsStopStartUp() {
        Map<String, String> m = defaults();
        m.put("gateway.session.resume-grace", "0");
        assertThat(load(m).resumeGrace()).isZero();
        assertBad("gateway.session.resume-grace", "-1", "GATEWAY__RESUME_GRACE (gateway.session.resume-grace) = '-1'");
        assertBad("gateway.session.ttl", "0", "GATEWAY__SESSION_TTL (gateway.session.ttl) = '0'");
        assertBad("gateway.session.merged-frame-bytes", "0",
                "GATEWAY__MERGED_FRAME_BYTES (gateway.session.merged-frame-bytes) = '0'");
        assertBad("gateway.session.buffer-bytes", "12", "GATEWAY__SESSION_BUFFER_BYTES (gateway.session.buffer-bytes) = '12'");
        assertBad("gateway.session.max-answer-bytes", "x", "GATEWAY__MAX_ANSWER_BYTES");
    }

    @Test
    void anAgentUrlAndFractionalTimeout() {
        Map<String, String> m = defaults();
        m.put("gateway.agent.url", "https://llm.internal:8443/v1/chat/completions");
        m.put("gateway.request-timeout", "2.5");
        GatewaySettings s = load(m);
        assertThat(s.agentEndpoint()).isEqualTo("https://llm.internal:8443/v1/chat/completions");
        assertThat(s.requestTimeout()).isEqualTo(Duration.ofMillis(2500));
    }

    @Test
    void badValuesNameTheVariableAndTheKey() {
        assertBad("gateway.http.port", "abc", "PORT (gateway.http.port) = 'abc' is not a whole number");
        assertBad("gateway.http.port", "70000", "PORT (gateway.http.port) = '70000' must be between 0 and 65535");
        assertBad("gateway.agent.url", "not a url", "GATEWAY__AGENT_URL (gateway.agent.url) = 'not a url' is not a valid URL");
        assertBad("gateway.agent.url", "ftp://x/y", "GATEWAY__AGENT_URL (gateway.agent.url) = 'ftp://x/y' must be an absolute http");
        assertBad("gateway.agent.url", "/relative", "must be an absolute http");
        assertBad("gateway.request-timeout", "-1", "GATEWAY__REQUEST_TIMEOUT (gateway.request-timeout) = '-1' must be a number of seconds above 0");
        assertBad("gateway.request-timeout", "0", "must be a number of seconds above 0");
        assertBad("gateway.request-timeout", "soon", "is not a number of seconds");
        assertBad("gateway.debug", "maybe", "DEBUG (gateway.debug) = 'maybe' must be true or false");
        assertBad("gateway.ws.max-message-bytes", "10", "must be between 64 and");
        assertBad("gateway.chat.backend", "carrier-pigeon",
                "GATEWAY__CHAT_BACKEND (gateway.chat.backend) = 'carrier-pigeon' must be one of http, queue");
    }

    @Test
    void jwtAndConnectionLimitSettings() throws Exception {
        GatewaySettings plain = load(defaults());
        assertThat(plain.jwt()).isEmpty();
        assertThat(plain.maxConnections()).isEqualTo(20_000);
        assertThat(plain.maxConnectionsPerApp()).isEqualTo(1_000);

        Map<String, String> m = defaults();
        m.put("gateway.auth.jwt.jwks-url", "https://issuer.example/.well-known/jwks.json");
        m.put("gateway.auth.jwt.audience", "agent-gateway");
        m.put("gateway.ws.max-connections", "50");
        GatewaySettings s = load(m);
        assertThat(s.jwt()).hasValueSatisfying(j -> {
            assertThat(j.jwksUrl()).contains(java.net.URI.create("https://issuer.example/.well-known/jwks.json"));
            assertThat(j.leewaySeconds()).isEqualTo(30);
            assertThat(j.audience()).contains("agent-gateway");
        });
        assertThat(s.maxConnections()).isEqualTo(50);

        java.security.KeyPairGenerator gen = java.security.KeyPairGenerator.getInstance("EC");
        gen.initialize(new java.security.spec.ECGenParameterSpec("secp256r1"));
        String pem = "-----BEGIN PUBLIC KEY-----\n" + java.util.Base64.getMimeEncoder()
                .encodeToString(gen.generateKeyPair().getPublic().getEncoded()) + "\n-----END PUBLIC KEY-----";
        java.nio.file.Path file = java.nio.file.Files.createTempFile("jwt-key", ".pem");
        try {
            java.nio.file.Files.writeString(file, pem);
            Map<String, String> fromFile = defaults();
            fromFile.put("gateway.auth.jwt.public-key", file.toString());
            assertThat(load(fromFile).jwt().orElseThrow().publicKeyPem()).contains(pem);
        } finally {
            java.nio.file.Files.delete(file);
        }
    }

    @Test
    void badJwtSettingsStopStartUpWithoutQuotingTheSecret() {
        assertBad("gateway.auth.jwt.secret", "too-short-secret", "GATEWAY__JWT_SECRET (gateway.auth.jwt.secret) must be at least 32 bytes");
        Map<String, String> m = defaults();
        m.put("gateway.auth.jwt.secret", "too-short-secret");
        assertThatThrownBy(() -> load(m)).message().doesNotContain("too-short-secret");
        m.put("gateway.auth.jwt.secret", "0123456789abcdef0123456789abcdef");
        m.put("gateway.auth.jwt.jwks-url", "https://issuer.example/jwks.json");
        assertThatThrownBy(() -> load(m)).isInstanceOf(InvalidConfigurationException.class)
                .message().contains("set only one of them");
        assertBad("gateway.auth.jwt.public-key", "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----",
                "GATEWAY__JWT_PUBLIC_KEY (gateway.auth.jwt.public-key) is not an RSA or EC public key");
        assertBad("gateway.auth.jwt.public-key", "/no/such/key.pem", "neither PEM text");
        assertBad("gateway.auth.jwt.jwks-url", "ftp://issuer/jwks", "GATEWAY__JWKS_URL (gateway.auth.jwt.jwks-url)");
        Map<String, String> leeway = defaults();
        leeway.put("gateway.auth.jwt.secret", "0123456789abcdef0123456789abcdef");
        leeway.put("gateway.auth.jwt.leeway", "-5");
        assertThatThrownBy(() -> load(leeway)).message().contains("GATEWAY__JWT_LEEWAY (gateway.auth.jwt.leeway) = '-5'");
        assertBad("gateway.ws.max-connections", "0", "GATEWAY__MAX_CONNECTIONS (gateway.ws.max-connections) = '0'");
        assertBad("gateway.ws.max-connections-per-app", "lots", "GATEWAY__MAX_CONNECTIONS_PER_APP");
    }

    @Test
    void webSocketKeepAliveDefaultsAndItsCheck() {
        GatewaySettings s = load(defaults());
        assertThat(s.wsPingInterval()).isEqualTo(Duration.ofSeconds(25));
        assertThat(s.wsIdleTimeout()).isEqualTo(Duration.ofSeconds(75));
        assertBad("gateway.ws.ping-interval", "0", "GATEWAY__WS_PING_INTERVAL (gateway.ws.ping-interval) = '0' must be");
        assertBad("gateway.ws.idle-timeout", "never", "GATEWAY__WS_IDLE_TIMEOUT (gateway.ws.idle-timeout) = 'never' is not");
        assertBad("gateway.ws.idle-timeout", "25", "GATEWAY__WS_IDLE_TIMEOUT (gateway.ws.idle-timeout) = '25.0' must be "
                + "longer than GATEWAY__WS_PING_INTERVAL (25.0)");
    }

    @Test
    void answerAndFrameRateLimitsDefaultsAndChecks() {
        GatewaySettings s = load(defaults());
        assertThat(s.maxAnswersPerApp()).isEqualTo(100);
        assertThat(s.wsMaxFramesPerSecond()).isEqualTo(50);
        assertThat(s.wsFloodWindow()).isEqualTo(Duration.ofSeconds(10));
        Map<String, String> set = defaults();
        set.put("gateway.chat.max-answers-per-app", "7");
        set.put("gateway.ws.max-frames-per-second", "200");
        set.put("gateway.ws.flood-window", "2.5");
        GatewaySettings t = load(set);
        assertThat(t.maxAnswersPerApp()).isEqualTo(7);
        assertThat(t.wsMaxFramesPerSecond()).isEqualTo(200);
        assertThat(t.wsFloodWindow()).isEqualTo(Duration.ofMillis(2500));
        assertBad("gateway.chat.max-answers-per-app", "0",
                "GATEWAY__MAX_ANSWERS_PER_APP (gateway.chat.max-answers-per-app) = '0' must be between 1 and");
        assertBad("gateway.ws.max-frames-per-second", "fast",
                "GATEWAY__WS_MAX_FRAMES_PER_SECOND (gateway.ws.max-frames-per-second) = 'fast' is not a whole number");
        assertBad("gateway.ws.flood-window", "-1", "GATEWAY__WS_FLOOD_WINDOW (gateway.ws.flood-window) = '-1' must be");
    }

    private static void assertBad(String key, String value, String message) {
        Map<String, String> m = defaults();
        m.put(key, value);
        assertThatThrownBy(() -> load(m)).isInstanceOf(InvalidConfigurationException.class)
                .message().contains(message);
    }
    @Test
    void nativeMemoryIsTrimmedUnlessSwitchedOff() {
        assertThat(load(defaults()).nativeTrim()).isTrue();
        Map<String, String> off = defaults();
        off.put("gateway.memory.native-trim", "false");
        assertThat(load(off).nativeTrim()).isFalse();
        assertBad("gateway.memory.native-trim", "sometimes",
                "GATEWAY__NATIVE_TRIM (gateway.memory.native-trim) = 'sometimes' must be true or false");
    }

    @Test
    void logFormatIsTextByDefaultJsonWhenAskedAndAnythingElseStopsStartUp() {
        assertThat(load(defaults()).jsonLogs()).isFalse();
        Map<String, String> json = defaults();
        json.put("gateway.log.format", "JSON");
        assertThat(load(json).jsonLogs()).isTrue();
        Map<String, String> bad = defaults();
        bad.put("gateway.log.format", "xml");
        assertThatThrownBy(() -> load(bad)).isInstanceOf(InvalidConfigurationException.class)
                .hasMessage("GATEWAY__LOG_FORMAT (gateway.log.format) = 'xml' must be one of text, json");
    }

    @Test
    void logbackPicksTheJsonAppenderOnlyForJsonAndTextForAnythingElse() {
        assertThat(LogSetup.resolve(null, null)).isEqualTo("text");
        assertThat(LogSetup.resolve(null, " Json ")).isEqualTo("json");
        assertThat(LogSetup.resolve("text", "json")).isEqualTo("text");
        assertThat(LogSetup.resolve("", "json")).isEqualTo("json");
        assertThat(LogSetup.resolve(null, "xml")).isEqualTo("text");
    }
}
