package dev.herald.signing;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Encrypts secrets at rest with AES-256-GCM. Each value gets a fresh 96-bit nonce; the
 * {@code context} (e.g. {@code webhook:<id>}) is bound as associated data, so a ciphertext copied to
 * another row does not decrypt. Stored form: {@code v1.<base64(nonce || ciphertext+tag)>}.
 */
public final class SecretBox {
    private static final String PREFIX = "v1.";
    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;

    private static final int FINGERPRINT_BYTES = 16;

    private final SecretKeySpec key;
    private final SecretKeySpec fingerprintKey;
    private final SecretKeySpec derivationKey;
    private final SecureRandom random = new SecureRandom();

    public SecretBox(byte[] key32) {
        if (key32.length != 32) throw new IllegalArgumentException("master key must be 32 bytes, got " + key32.length);
        this.key = new SecretKeySpec(key32.clone(), "AES");
        this.fingerprintKey = new SecretKeySpec(hmac(new SecretKeySpec(key32, "HmacSHA256"), "herald secret fingerprint v1"), "HmacSHA256");
        this.derivationKey = new SecretKeySpec(hmac(new SecretKeySpec(key32, "HmacSHA256"), "herald key derivation v1"), "HmacSHA256");
    }

    /**
     * A fingerprint of a secret that may be shown where the secret may not (a review page, an API answer):
     * hex of the first 16 bytes of HMAC-SHA256 under a key derived from the master key, over the
     * {@code context} and the secret. It changes when the secret changes, but reveals nothing of it and,
     * being keyed, cannot be used to test guesses of a weak secret offline.
     */
    public String fingerprint(String secret, String context) {
        byte[] mac = hmac(fingerprintKey, context + "\u0000" + secret);
        return java.util.HexFormat.of().formatHex(mac, 0, FINGERPRINT_BYTES);
    }

    /**
     * A 32-byte key for one {@code purpose} (pre-signed attachment URLs), derived from the master key with
     * HMAC-SHA256, so every node sharing the master key derives the same key and no new secret is stored.
     */
    public byte[] deriveKey(String purpose) {
        return hmac(derivationKey, "herald derived key v1\u0000" + purpose);
    }

    private static byte[] hmac(SecretKeySpec k, String data) {
        try {
            javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
            mac.init(k);
            return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }

    public String seal(String plaintext, String context) {
        byte[] nonce = new byte[NONCE_BYTES];
        random.nextBytes(nonce);
        try {
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
            c.updateAAD(context.getBytes(StandardCharsets.UTF_8));
            byte[] ct = c.doFinal(plaintext.getBytes(StandardCharsets.UTF_8));
            byte[] out = new byte[NONCE_BYTES + ct.length];
            System.arraycopy(nonce, 0, out, 0, NONCE_BYTES);
            System.arraycopy(ct, 0, out, NONCE_BYTES, ct.length);
            return PREFIX + Base64.getEncoder().encodeToString(out);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM unavailable", e);
        }
    }

    /** Decrypts; a wrong key, wrong context or tampered value fails with {@link IllegalStateException} (never returns garbage). */
    public String open(String sealed, String context) {
        if (sealed == null || !sealed.startsWith(PREFIX)) throw new IllegalStateException("not a sealed secret");
        byte[] in;
        try {
            in = Base64.getDecoder().decode(sealed.substring(PREFIX.length()));
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("secret cannot be decrypted (damaged value)", e);
        }
        if (in.length < NONCE_BYTES + TAG_BITS / 8) throw new IllegalStateException("secret cannot be decrypted (truncated value)");
        try {
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, in, 0, NONCE_BYTES));
            c.updateAAD(context.getBytes(StandardCharsets.UTF_8));
            return new String(c.doFinal(in, NONCE_BYTES, in.length - NONCE_BYTES), StandardCharsets.UTF_8);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("secret cannot be decrypted (wrong HERALD_MASTER_KEY or tampered value)", e);
        }
    }
}
