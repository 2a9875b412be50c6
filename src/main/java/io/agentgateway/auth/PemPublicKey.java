package io.agentgateway.auth;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.RSAKey;

/**
 * The public key of {@code GATEWAY__JWT_PUBLIC_KEY}: a PEM {@code PUBLIC KEY} (X.509 SubjectPublicKeyInfo) or
 * {@code CERTIFICATE}, RSA or EC P-256. The key type fixes the one algorithm accepted: RSA means RS256 and EC
 * P-256 means ES256, so a token cannot pick another (no HS256 signed with the public key, no {@code none}).
 * <p>
 * Read with the JDK's key factories, because Nimbus's general PEM reader needs BouncyCastle.
 */
public final class PemPublicKey {

    private static final Pattern BLOCK =
            Pattern.compile("-----BEGIN ([A-Z ]+)-----([A-Za-z0-9+/=\\s]+)-----END \\1-----");

    private final JWK key;
    private final JWSAlgorithm algorithm;

    private PemPublicKey(JWK key, JWSAlgorithm algorithm) {
        this.key = key;
        this.algorithm = algorithm;
    }

    public JWK key() {
        return key;
    }

    public JWSAlgorithm algorithm() {
        return algorithm;
    }

    /**
     * @param pem the PEM text; a literal {@code \n} counts as a line break, as env files often carry it
     * @throws IllegalArgumentException naming what is wrong, never quoting the key
     */
    public static PemPublicKey parse(String pem) {
        String text = pem.replace("\\n", "\n").trim();
        Matcher m = BLOCK.matcher(text);
        if (!m.find()) {
            throw new IllegalArgumentException("is not a PEM block (-----BEGIN PUBLIC KEY----- or -----BEGIN CERTIFICATE-----)");
        }
        byte[] der;
        try {
            der = Base64.getMimeDecoder().decode(m.group(2).getBytes(StandardCharsets.US_ASCII));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("has a PEM body that is not base64");
        }
        PublicKey publicKey = switch (m.group(1)) {
            case "PUBLIC KEY" -> decodePublicKey(der);
            case "CERTIFICATE" -> certificateKey(der);
            default -> throw new IllegalArgumentException("holds a " + m.group(1)
                    + "; expected a PUBLIC KEY or a CERTIFICATE");
        };
        if (publicKey instanceof RSAPublicKey rsa) {
            if (rsa.getModulus().bitLength() < 2048) {
                throw new IllegalArgumentException("is an RSA key shorter than 2048 bits");
            }
            return new PemPublicKey(new RSAKey.Builder(rsa).build(), JWSAlgorithm.RS256);
        }
        if (publicKey instanceof ECPublicKey ec) {
            if (!Curve.P_256.equals(Curve.forECParameterSpec(ec.getParams()))) {
                throw new IllegalArgumentException("is an EC key that is not on P-256 (ES256 needs P-256)");
            }
            return new PemPublicKey(new ECKey.Builder(Curve.P_256, ec).build(), JWSAlgorithm.ES256);
        }
        throw new IllegalArgumentException("is a " + publicKey.getAlgorithm() + " key; expected RSA or EC P-256");
    }

    private static PublicKey decodePublicKey(byte[] der) {
        for (String type : new String[] {"RSA", "EC"}) {
            try {
                return KeyFactory.getInstance(type).generatePublic(new X509EncodedKeySpec(der));
            } catch (Exception e) {
                // try the next type
            }
        }
        throw new IllegalArgumentException("is not an RSA or EC public key");
    }

    private static PublicKey certificateKey(byte[] der) {
        try {
            return CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der))
                    .getPublicKey();
        } catch (CertificateException e) {
            throw new IllegalArgumentException("holds a CERTIFICATE that cannot be read");
        }
    }
}
