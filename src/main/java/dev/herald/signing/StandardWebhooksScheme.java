package dev.herald.signing;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.StringJoiner;

/**
 * Standard Webhooks (standardwebhooks.com): {@code webhook-id}, {@code webhook-timestamp} and
 * {@code webhook-signature: v1,<base64>} over {@code id.timestamp.body}, keyed by the base64-decoded
 * secret after {@code whsec_}. During a rotation both signatures are sent, space-separated, as the
 * specification allows.
 */
final class StandardWebhooksScheme implements SignatureScheme {
    @Override
    public String name() {
        return "standard-webhooks";
    }

    @Override
    public boolean headerConfigurable() {
        return false;
    }

    @Override
    public String defaultHeader() {
        return "webhook-signature";
    }

    @Override
    public Map<String, String> sign(Input in) {
        String t = Long.toString(in.timestampSeconds());
        byte[] prefix = (in.deliveryId() + "." + t + ".").getBytes(StandardCharsets.UTF_8);
        StringJoiner sigs = new StringJoiner(" ");
        for (WebhookSecret s : in.keys().all()) {
            sigs.add("v1," + Base64.getEncoder().encodeToString(Hmac.sha256(s.standardKey(), prefix, in.body())));
        }
        Map<String, String> h = new LinkedHashMap<>();
        h.put("webhook-id", in.deliveryId());
        h.put("webhook-timestamp", t);
        h.put("webhook-signature", sigs.toString());
        return h;
    }
}
