package io.agentgateway.auth;

import java.io.IOException;
import java.net.URL;
import java.security.Key;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.jwk.source.JWKSetCacheRefreshEvaluator;
import com.nimbusds.jose.jwk.source.JWKSetSource;
import com.nimbusds.jose.jwk.source.JWKSetUnavailableException;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.jwk.source.RateLimitReachedException;
import com.nimbusds.jose.jwk.source.URLBasedJWKSetSource;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jose.util.DefaultResourceRetriever;

/**
 * Keys from a JWKS endpoint ({@code GATEWAY__JWKS_URL}). Nimbus's {@link JWKSourceBuilder} does the fetching:
 * the set is cached for {@code ttl}, a {@code kid} it does not hold makes it fetch again (that is how a rotated
 * key is picked up), and fetches are rate-limited, so tokens with made-up {@code kid}s cannot make the gateway
 * hammer the endpoint.
 * <p>
 * A fetch blocks, so it must not happen on an event loop. Every set fetched is also kept here as a snapshot:
 * {@link #cached} answers only from that snapshot (never I/O) while it is younger than {@code ttl}, and says
 * "fetch needed" otherwise, so the caller knows when to move to a worker thread.
 */
final class JwksKeys implements JwtKeys {

    /** The algorithms a JWKS key may sign with; each only matches keys of its own type. */
    static final Set<JWSAlgorithm> ALGORITHMS = Set.of(JWSAlgorithm.RS256, JWSAlgorithm.ES256);

    private static final int HTTP_TIMEOUT_MS = 5_000;
    private static final int SIZE_LIMIT_BYTES = 512 * 1024;

    private record Snapshot(JWKSet set, long fetchedAtMillis) {
    }

    private final JWKSource<SecurityContext> source;
    private final long ttlMillis;
    private final Clock clock;
    private volatile Snapshot snapshot;

    /**
     * @param ttl               how long a fetched set is used before it is fetched again
     * @param minFetchInterval  rate limit: at most two fetches in any such interval (Nimbus's rule); below {@code ttl}
     */
    JwksKeys(URL url, Duration ttl, Duration minFetchInterval, Clock clock) {
        this.ttlMillis = ttl.toMillis();
        this.clock = clock;
        JWKSetSource<SecurityContext> remote = new Recording(new URLBasedJWKSetSource<>(url,
                new DefaultResourceRetriever(HTTP_TIMEOUT_MS, HTTP_TIMEOUT_MS, SIZE_LIMIT_BYTES)));
        this.source = JWKSourceBuilder.create(remote)
                .cache(ttl.toMillis(), HTTP_TIMEOUT_MS + 1_000L)
                .refreshAheadCache(false) // a background refresh would need its own threads; a miss refetches
                .rateLimited(minFetchInterval.toMillis())
                .build();
    }

    static JwksKeys of(URL url, Clock clock) {
        return new JwksKeys(url, Duration.ofMinutes(5), Duration.ofSeconds(30), clock);
    }

    @Override
    public Optional<List<? extends Key>> cached(JWSHeader header) {
        Snapshot s = snapshot;
        if (s == null || clock.millis() >= s.fetchedAtMillis() + ttlMillis) {
            return Optional.empty();
        }
        try {
            List<Key> keys = new JWSVerificationKeySelector<>(ALGORITHMS, new ImmutableJWKSet<SecurityContext>(s.set()))
                    .selectJWSKeys(header, null);
            return keys.isEmpty() ? Optional.empty() : Optional.of(keys);
        } catch (KeySourceException e) {
            return Optional.empty(); // an immutable set does not fail; if it did, the worker path decides
        }
    }

    @Override
    public List<? extends Key> fetch(JWSHeader header) throws KeySourceException {
        try {
            return new JWSVerificationKeySelector<>(ALGORITHMS, source).selectJWSKeys(header, null);
        } catch (RateLimitReachedException e) {
            if (snapshot == null) {
                throw new JWKSetUnavailableException("No key set could be fetched yet", e);
            }
            return List.of(); // the set was fetched moments ago and does not hold this kid
        }
    }

    /** The innermost source: fetches over HTTP and remembers what it got, for {@link #cached}. */
    private final class Recording implements JWKSetSource<SecurityContext> {
        private final JWKSetSource<SecurityContext> delegate;

        Recording(JWKSetSource<SecurityContext> delegate) {
            this.delegate = delegate;
        }

        @Override
        public JWKSet getJWKSet(JWKSetCacheRefreshEvaluator refreshEvaluator, long currentTime, SecurityContext context)
                throws KeySourceException {
            JWKSet set = delegate.getJWKSet(refreshEvaluator, currentTime, context);
            snapshot = new Snapshot(set, clock.millis());
            return set;
        }

        @Override
        public void close() throws IOException {
            delegate.close();
        }
    }
}
