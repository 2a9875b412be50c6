package io.agentgateway.auth;

import java.security.Key;
import java.util.List;
import java.util.Optional;

import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.KeySourceException;

/** Where the keys that verify a JWT's signature come from: one configured key, or a JWKS endpoint. */
interface JwtKeys {

    /**
     * The keys for this header from what is already at hand, without any I/O, so it may run on an event loop.
     * Empty when the keys must be fetched first (nothing cached yet, the cache is stale, or the {@code kid} is
     * not in it).
     */
    Optional<List<? extends Key>> cached(JWSHeader header);

    /** The keys for this header, fetching them if needed: may block, so never on an event loop. */
    List<? extends Key> fetch(JWSHeader header) throws KeySourceException;

    /** The one key of {@code GATEWAY__JWT_SECRET} or {@code GATEWAY__JWT_PUBLIC_KEY}, whatever the {@code kid}. */
    static JwtKeys single(Key key) {
        List<Key> keys = List.of(key);
        return new JwtKeys() {
            @Override
            public Optional<List<? extends Key>> cached(JWSHeader header) {
                return Optional.of(keys);
            }

            @Override
            public List<? extends Key> fetch(JWSHeader header) {
                return keys;
            }
        };
    }
}
