package io.agentgateway.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.HexFormat;

/**
 * The seed protocols' WebSocket credential: {@code token} = the first 10 hex characters of
 * {@code sha256(appid + FIXED_SECRET + floor(unix_seconds / 60))}. The current and the previous minute are
 * accepted, so a token made just before a minute turns still works. Comparison is constant-time.
 */
public final class TokenVerifier {

    static final int TOKEN_LENGTH = 10;

    private final byte[] secret;
    private final Clock clock;

    public TokenVerifier(String secret, Clock clock) {
        this.secret = secret.getBytes(StandardCharsets.UTF_8);
        this.clock = clock;
    }

    public boolean verify(String appid, String token) {
        if (appid == null || appid.isEmpty() || token == null) {
            return false;
        }
        byte[] given = token.getBytes(StandardCharsets.UTF_8);
        long minute = currentMinute();
        // both checks always run, so the time taken does not tell which minute matched
        boolean now = MessageDigest.isEqual(given, tokenFor(appid, minute).getBytes(StandardCharsets.UTF_8));
        boolean before = MessageDigest.isEqual(given, tokenFor(appid, minute - 1).getBytes(StandardCharsets.UTF_8));
        return now | before;
    }

    /** The token a client computes for {@code appid} now. */
    public String currentToken(String appid) {
        return tokenFor(appid, currentMinute());
    }

    private long currentMinute() {
        return Math.floorDiv(clock.millis() / 1000, 60);
    }

    /** The token a client computes for {@code appid} in the given minute. */
    public String tokenFor(String appid, long unixMinute) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(appid.getBytes(StandardCharsets.UTF_8));
            sha.update(secret);
            sha.update(Long.toString(unixMinute).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(sha.digest()).substring(0, TOKEN_LENGTH);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is always available", e);
        }
    }
}
