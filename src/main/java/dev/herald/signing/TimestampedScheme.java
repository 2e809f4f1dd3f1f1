package dev.herald.signing;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;

/**
 * {@code t=<unix>, kid=<key id>, v1=<base64 HMAC-SHA256(secret, t + "." + body)>}. The timestamp lets
 * receivers reject replays; the kid names the secret used.
 */
final class TimestampedScheme implements SignatureScheme {
    @Override
    public String name() {
        return "timestamped";
    }

    @Override
    public boolean headerConfigurable() {
        return true;
    }

    @Override
    public String defaultHeader() {
        return "X-Webhook-Signature";
    }

    @Override
    public Map<String, String> sign(Input in) {
        WebhookSecret s = in.keys().single();
        String t = Long.toString(in.timestampSeconds());
        byte[] mac = Hmac.sha256(s.textKey(), (t + ".").getBytes(StandardCharsets.US_ASCII), in.body());
        return Map.of(in.header(), "t=" + t + ", kid=" + s.kid() + ", v1=" + Base64.getEncoder().encodeToString(mac));
    }
}
