package dev.herald.inbound;

import dev.herald.util.Hashes;
import dev.herald.util.JsonBody;
import dev.herald.util.Problem;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/**
 * SendGrid's Event Webhook with signature verification: an ECDSA (P-256, SHA-256) signature over the
 * {@code X-Twilio-Email-Event-Webhook-Timestamp} value followed by the raw body, in
 * {@code X-Twilio-Email-Event-Webhook-Signature} (base64 DER); the verification key is the base64
 * public key SendGrid shows when signing is turned on.
 */
final class SendGridProvider implements Provider {
    static final String SIGNATURE = "X-Twilio-Email-Event-Webhook-Signature";
    static final String TIMESTAMP = "X-Twilio-Email-Event-Webhook-Timestamp";
    static final int MAX_EVENTS = 10_000;

    /** SendGrid's event names and Herald's status for each; events not listed are recorded but produce no status. */
    static final Map<String, String> STATUS = Map.ofEntries(
            Map.entry("processed", "accepted"), Map.entry("deferred", "deferred"), Map.entry("delivered", "delivered"),
            Map.entry("dropped", "failed"), Map.entry("bounce", "bounced"), Map.entry("open", "opened"), Map.entry("click", "clicked"),
            Map.entry("spamreport", "complained"), Map.entry("unsubscribe", "unsubscribed"), Map.entry("group_unsubscribe", "unsubscribed"));

    @Override
    public String name() {
        return "sendgrid";
    }

    @Override
    public Map<String, String> credentials(JsonBody in) {
        if (in == null) throw Problem.invalid("credentials", "'credentials' is required: {\"verification_key\": \"...\"}");
        in.only(Set.of("verification_key"));
        String key = in.string("verification_key", true).strip();
        try {
            publicKey(key);
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw Problem.invalid(in.path("verification_key"), "'" + in.path("verification_key")
                    + "' must be the base64 verification key SendGrid shows for signed event webhooks (an EC P-256 public key)");
        }
        return Map.of("verification_key", key);
    }

    static PublicKey publicKey(String base64) throws GeneralSecurityException {
        PublicKey k = KeyFactory.getInstance("EC").generatePublic(new X509EncodedKeySpec(Base64.getDecoder().decode(base64)));
        if (!(k instanceof java.security.interfaces.ECPublicKey ec) || ec.getParams().getOrder().bitLength() != 256) {
            throw new GeneralSecurityException("not a P-256 key");
        }
        return k;
    }

    @Override
    public String verify(CallbackRequest r, Source source, Instant now) {
        String headers = r.notExactlyOnce(SIGNATURE, TIMESTAMP);
        if (headers != null) return headers;
        String ts = r.header(TIMESTAMP).trim();
        long t;
        try {
            t = Long.parseLong(ts);
        } catch (NumberFormatException e) {
            return TIMESTAMP + " is not a number";
        }
        if (Math.abs(now.getEpochSecond() - t) > source.tolerance().toSeconds()) return "stale timestamp";
        try {
            Signature s = Signature.getInstance("SHA256withECDSA");
            s.initVerify(publicKey(source.credential("verification_key")));
            s.update(ts.getBytes(StandardCharsets.UTF_8));
            s.update(r.body());
            return s.verify(Base64.getDecoder().decode(r.header(SIGNATURE).trim())) ? null : "signature mismatch";
        } catch (IllegalArgumentException | GeneralSecurityException e) {
            return "signature mismatch";
        }
    }

    @Override
    public List<StatusItem> parse(CallbackRequest r, Source source) {
        JsonNode root = Payloads.json(r);
        if (!root.isArray()) throw Payloads.invalid("the body must be a JSON array of events");
        if (root.size() > MAX_EVENTS) throw Payloads.invalid("at most " + MAX_EVENTS + " events in one callback");
        List<StatusItem> out = new ArrayList<>();
        for (JsonNode e : root) {
            if (!e.isObject()) throw Payloads.invalid("every event must be a JSON object");
            String event = Payloads.text(e, "event");
            String status = event == null ? null : STATUS.get(event);
            if (status == null) continue;
            String eventId = Payloads.text(e, "sg_event_id");
            String messageId = Payloads.text(e, "sg_message_id");
            String key = eventId != null ? eventId : Hashes.sha256Hex(e.toString());
            String reason = Payloads.text(e, "reason");
            if (reason == null) reason = Payloads.text(e, "response");
            String bounceType = status.equals("bounced") ? Payloads.text(e, "type") : null;
            out.add(new StatusItem("email", status, event, messageId, eventId, Payloads.text(e, "email"), reason, bounceType,
                    Payloads.epochSeconds(e, "timestamp"), key, Payloads.text(e, "smtp-id")));
        }
        return out;
    }
}
