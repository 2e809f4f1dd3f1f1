package dev.herald.mail;

import dev.herald.signing.Hmac;
import dev.herald.signing.SecretBox;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.function.Supplier;

/**
 * Pre-signed attachment URLs: {@code <public URL>/v1/attachments/<id>?expires=<unix>&signature=<base64url
 * HMAC-SHA256(key, path + "\n" + expires)>}, the key derived from the master key, so any node can serve
 * them and nobody can make or stretch one without it. Expired, altered or foreign URLs are refused.
 */
public final class AttachmentUrls {
    public static final String PATH = "/v1/attachments/";
    private final byte[] key;
    private final Clock clock;
    private final Duration ttl;
    private final Supplier<String> publicUrl;

    public AttachmentUrls(SecretBox secrets, Clock clock, Duration ttl, Supplier<String> publicUrl) {
        this.key = secrets.deriveKey("attachment-urls");
        this.clock = clock;
        this.ttl = ttl;
        this.publicUrl = publicUrl;
    }

    /** A signed URL and when it stops working. */
    public record Signed(String url, Instant expiresAt) {}

    public Signed sign(String attachmentId) {
        long expires = clock.instant().plus(ttl).getEpochSecond();
        String path = PATH + attachmentId;
        return new Signed(publicUrl.get() + path + "?expires=" + expires + "&signature=" + mac(path, expires), Instant.ofEpochSecond(expires));
    }

    /** Whether {@code signature} signs this attachment path until {@code expires}, and that moment has not passed. */
    public boolean verify(String attachmentId, String expires, String signature) {
        if (expires == null || signature == null || !expires.matches("[0-9]{1,12}")) return false;
        long e = Long.parseLong(expires);
        boolean valid = Hmac.equal(mac(PATH + attachmentId, e), signature);
        return valid && clock.instant().getEpochSecond() < e;
    }

    private String mac(String path, long expires) {
        byte[] m = Hmac.sha256(key, (path + "\n" + expires).getBytes(StandardCharsets.US_ASCII));
        return Base64.getUrlEncoder().withoutPadding().encodeToString(m);
    }
}
