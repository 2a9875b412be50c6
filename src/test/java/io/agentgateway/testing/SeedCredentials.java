package io.agentgateway.testing;

import java.time.Clock;

import io.agentgateway.auth.TokenVerifier;

/** The seed protocol's credentials for a FIXED_SECRET, as a client computes them now: {@code appid=...&token=...}. */
public final class SeedCredentials {

    private final TokenVerifier tokens;

    public SeedCredentials(String secret) {
        this.tokens = new TokenVerifier(secret, Clock.systemUTC());
    }

    /** The query string (without {@code ?}) that authenticates {@code appid}. */
    public String query(String appid) {
        return "appid=" + appid + "&token=" + tokens.currentToken(appid);
    }
}
