package dev.herald.signing;

import java.util.HexFormat;
import java.util.Map;

/** {@code X-Webhook-Signature: sha256=<hex HMAC-SHA256(secret, raw body)>}; the header name is configurable. */
final class Sha256HexScheme implements SignatureScheme {
    @Override
    public String name() {
        return "sha256-hex";
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
        byte[] mac = Hmac.sha256(in.keys().single().textKey(), in.body());
        return Map.of(in.header(), "sha256=" + HexFormat.of().formatHex(mac));
    }
}
