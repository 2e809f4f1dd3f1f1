package dev.herald.inbound;

import dev.herald.signing.Signers;
import dev.herald.signing.WebhookSecret;
import dev.herald.util.JsonBody;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/**
 * Herald's own email delivery-status endpoint (seed 003): {@code {"events": [{"id", "message_id",
 * "recipient", "status", "reason", "occurred_at"}]}}, signed as Standard Webhooks ({@code webhook-id},
 * {@code webhook-timestamp}, {@code webhook-signature}) with a secret Herald generates, so that any
 * Standard Webhooks library can send to it.
 */
final class EmailStatusProvider implements Provider {
    static final Set<String> EVENT_FIELDS = Set.of("id", "message_id", "recipient", "status", "reason", "occurred_at", "bounce_type");
    static final int MAX_EVENTS = 1000;

    @Override
    public String name() {
        return "email_status";
    }

    @Override
    public Map<String, String> credentials(JsonBody in) {
        if (in != null) in.only(Set.of());
        return Map.of();
    }

    @Override
    public Map<String, String> generated() {
        return Map.of("secret", WebhookSecret.generate().value());
    }

    @Override
    public String verify(CallbackRequest r, Source source, Instant now) {
        String headers = r.notExactlyOnce("webhook-id", "webhook-timestamp", "webhook-signature");
        if (headers != null) return headers;
        long t;
        try {
            t = Long.parseLong(r.header("webhook-timestamp").trim());
        } catch (NumberFormatException e) {
            return "webhook-timestamp is not a number";
        }
        if (Math.abs(now.getEpochSecond() - t) > source.tolerance().toSeconds()) return "stale timestamp";
        WebhookSecret secret = new WebhookSecret(source.credential("secret"), null);
        boolean ok = Signers.verifyStandardWebhooks(secret, r.header("webhook-id"), t, r.header("webhook-signature"), r.body());
        return ok ? null : "signature mismatch";
    }

    @Override
    public List<StatusItem> parse(CallbackRequest r, Source source) {
        JsonNode root = Payloads.json(r);
        JsonNode events = root.get("events");
        if (events == null || !events.isArray()) throw Payloads.invalid("'events' must be an array");
        if (events.size() > MAX_EVENTS) throw Payloads.invalid("'events' may hold at most " + MAX_EVENTS + " items");
        List<StatusItem> out = new ArrayList<>();
        for (int i = 0; i < events.size(); i++) {
            JsonNode e = events.get(i);
            String at = "events[" + i + "]";
            if (!e.isObject()) throw Payloads.invalid("'" + at + "' must be an object");
            for (String name : e.propertyNames()) if (!EVENT_FIELDS.contains(name)) throw Payloads.invalid("unknown field '" + at + "." + name + "'");
            String id = Payloads.text(e, "id");
            String status = Payloads.text(e, "status");
            if (id == null || id.isBlank() || id.length() > 255) throw Payloads.invalid("'" + at + ".id' is required (1 to 255 characters)");
            if (status == null || !StatusItem.STATUSES.contains(status) || status.equals("read") || status.equals("received")) {
                throw Payloads.invalid("'" + at + ".status' must be one of accepted, sent, deferred, delivered, bounced, failed, opened, "
                        + "clicked, complained, unsubscribed");
            }
            Instant occurred = null;
            String when = Payloads.text(e, "occurred_at");
            if (when != null) {
                try {
                    occurred = Instant.parse(when);
                } catch (DateTimeParseException x) {
                    throw Payloads.invalid("'" + at + ".occurred_at' must be an ISO-8601 time like 2026-01-31T12:00:00Z");
                }
            }
            out.add(new StatusItem("email", status, status, Payloads.text(e, "message_id"), id, Payloads.text(e, "recipient"),
                    Payloads.text(e, "reason"), Payloads.text(e, "bounce_type"), occurred, id, Payloads.text(e, "message_id")));
        }
        return out;
    }
}
