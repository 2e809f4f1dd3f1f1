package dev.herald.signing;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;

/**
 * A signing secret: {@code whsec_} + base64 of 32 random bytes, with a short key id ({@code kid}) that
 * the {@code timestamped} scheme sends so receivers holding two secrets during a rotation know which to use.
 */
public record WebhookSecret(String value, String kid) {
    public static final String PREFIX = "whsec_";
    private static final SecureRandom RANDOM = new SecureRandom();

    public static WebhookSecret generate() {
        byte[] raw = new byte[32];
        RANDOM.nextBytes(raw);
        byte[] id = new byte[6];
        RANDOM.nextBytes(id);
        return new WebhookSecret(PREFIX + Base64.getEncoder().encodeToString(raw), "k_" + HexFormat.of().formatHex(id));
    }

    /** The HMAC key of the sha256-hex and timestamped schemes: the whole secret string, UTF-8. */
    public byte[] textKey() {
        return value.getBytes(StandardCharsets.UTF_8);
    }

    /** The HMAC key of the Standard Webhooks scheme: base64-decoded text after {@code whsec_}. */
    public byte[] standardKey() {
        String b64 = value.startsWith(PREFIX) ? value.substring(PREFIX.length()) : value;
        return Base64.getDecoder().decode(b64);
    }

    @Override
    public String toString() {
        return "WebhookSecret[kid=" + kid + ", value=(redacted)]";
    }
}
