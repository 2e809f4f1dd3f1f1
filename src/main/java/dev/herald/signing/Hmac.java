package dev.herald.signing;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The one place Herald computes HMACs, for signing what it sends and verifying what it receives:
 * over one or more byte arrays, without concatenating them first, and compared in constant time.
 */
public final class Hmac {
    private Hmac() {}

    public static byte[] sha256(byte[] key, byte[]... parts) {
        return mac("HmacSHA256", key, parts);
    }

    /** HMAC-SHA1: only for verifying providers that still sign with it (Twilio's X-Twilio-Signature). */
    public static byte[] sha1(byte[] key, byte[]... parts) {
        return mac("HmacSHA1", key, parts);
    }

    /** HMAC-SHA512: only for verifying providers whose users may choose it (Vonage's SMS {@code sig}). */
    public static byte[] sha512(byte[] key, byte[]... parts) {
        return mac("HmacSHA512", key, parts);
    }

    /** HMAC-MD5: only for verifying providers whose users may still choose it (Vonage's SMS {@code sig}). */
    public static byte[] md5(byte[] key, byte[]... parts) {
        return mac("HmacMD5", key, parts);
    }

    /** Constant-time comparison (a null on either side is unequal). */
    public static boolean equal(byte[] a, byte[] b) {
        return a != null && b != null && MessageDigest.isEqual(a, b);
    }

    /** Constant-time comparison of two strings' UTF-8 bytes (a null on either side is unequal). */
    public static boolean equal(String a, String b) {
        return a != null && b != null && MessageDigest.isEqual(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] mac(String algorithm, byte[] key, byte[]... parts) {
        try {
            Mac mac = Mac.getInstance(algorithm);
            mac.init(new SecretKeySpec(key, algorithm));
            for (byte[] p : parts) mac.update(p);
            return mac.doFinal();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(algorithm + " unavailable", e);
        }
    }
}
