package dev.herald.inbound;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * Amazon SES events (event publishing's {@code eventType}, or the older notifications'
 * {@code notificationType}) as status items: one per recipient the event names, so a bounce of two of
 * three recipients is two {@code bounced} statuses. Opens and clicks name no recipient: their status
 * carries the mail's recipient when it had exactly one.
 */
final class SesEvents {
    /** By event type, spaces left out (event publishing writes {@code Rendering Failure}). */
    static final Map<String, String> STATUS = Map.of("Send", "accepted", "Delivery", "delivered", "Bounce", "bounced",
            "Complaint", "complained", "Reject", "failed", "Open", "opened", "Click", "clicked", "DeliveryDelay", "deferred",
            "RenderingFailure", "failed");
    static final int MAX_RECIPIENTS = 1000;

    private SesEvents() {}

    /** The statuses of one SES event; {@code snsMessageId} (the notification's identity) keys each one. */
    static List<StatusItem> items(JsonNode event, String snsMessageId) {
        String type = Payloads.text(event, "eventType");
        if (type == null) type = Payloads.text(event, "notificationType");
        String kind = type == null ? null : type.replace(" ", "");
        String status = kind == null ? null : STATUS.get(kind);
        JsonNode mail = event.get("mail");
        if (status == null || mail == null || !mail.isObject()) return List.of();
        String messageId = Payloads.text(mail, "messageId");
        JsonNode headers = mail.get("commonHeaders");
        String smtpId = headers != null && headers.isObject() ? Payloads.text(headers, "messageId") : null;
        List<String> destination = strings(mail.get("destination"));
        Instant mailTime = CallbackParams.time(Payloads.text(mail, "timestamp"));

        List<Target> targets = new ArrayList<>();
        String bounceType = null;
        JsonNode detail;
        switch (kind) {
            case "Delivery" -> {
                detail = object(event, "delivery");
                for (String to : strings(detail.get("recipients"))) targets.add(new Target(to, Payloads.text(detail, "smtpResponse")));
            }
            case "Bounce" -> {
                detail = object(event, "bounce");
                bounceType = Payloads.text(detail, "bounceType");
                for (JsonNode r : array(detail, "bouncedRecipients")) {
                    String why = Payloads.text(r, "diagnosticCode");
                    targets.add(new Target(Payloads.text(r, "emailAddress"), why != null ? why : Payloads.text(detail, "bounceSubType")));
                }
            }
            case "Complaint" -> {
                detail = object(event, "complaint");
                for (JsonNode r : array(detail, "complainedRecipients")) {
                    targets.add(new Target(Payloads.text(r, "emailAddress"), Payloads.text(detail, "complaintFeedbackType")));
                }
            }
            case "DeliveryDelay" -> {
                detail = object(event, "deliveryDelay");
                for (JsonNode r : array(detail, "delayedRecipients")) {
                    String why = Payloads.text(r, "diagnosticCode");
                    targets.add(new Target(Payloads.text(r, "emailAddress"), why != null ? why : Payloads.text(detail, "delayType")));
                }
            }
            case "Open", "Click" -> {
                detail = object(event, kind.equals("Open") ? "open" : "click");
                targets.add(new Target(destination.size() == 1 ? destination.get(0) : null, null));
            }
            default -> {
                // Send, Reject, RenderingFailure: the whole mail, every recipient.
                detail = object(event, kind.equals("Reject") ? "reject" : kind.equals("RenderingFailure") ? "failure" : "send");
                String why = kind.equals("Reject") ? Payloads.text(detail, "reason")
                        : kind.equals("RenderingFailure") ? Payloads.text(detail, "errorMessage") : null;
                for (String to : destination) targets.add(new Target(to, why));
            }
        }
        Instant at = CallbackParams.time(Payloads.text(detail, "timestamp"));
        if (at == null) at = mailTime;
        List<StatusItem> out = new ArrayList<>();
        for (Target t : targets.subList(0, Math.min(targets.size(), MAX_RECIPIENTS))) {
            out.add(new StatusItem("email", status, type, messageId, snsMessageId, t.recipient(), t.reason(), bounceType, at,
                    snsMessageId + ":" + kind + ":" + (t.recipient() == null ? "" : t.recipient()), smtpId));
        }
        return out;
    }

    private record Target(String recipient, String reason) {}

    private static JsonNode object(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v != null && v.isObject() ? v : tools.jackson.databind.node.JsonNodeFactory.instance.objectNode();
    }

    private static Iterable<JsonNode> array(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v != null && v.isArray() ? v : List.of();
    }

    private static List<String> strings(JsonNode v) {
        List<String> out = new ArrayList<>();
        if (v != null && v.isArray()) v.forEach(e -> {
            if (e.isString()) out.add(e.asString());
        });
        return out;
    }
}
