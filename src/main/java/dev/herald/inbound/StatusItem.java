package dev.herald.inbound;

import java.time.Instant;
import java.util.Set;

/**
 * One normalised thing that happened to a message, as a provider reported it. {@code status} is one of
 * {@link #STATUSES}; {@code providerStatus} is the provider's own word for it. {@code eventKey} is the
 * provider's identity of this report, so a retry of the same callback creates nothing new.
 * {@code smtpMessageId}, when the provider reports it, is the email's Message-ID header, which ties the
 * status to an email Herald sent.
 */
public record StatusItem(String channel, String status, String providerStatus, String providerMessageId, String providerEventId,
                         String recipient, String reason, String bounceType, Instant occurredAt, String eventKey, String smtpMessageId) {
    public static final Set<String> STATUSES = Set.of("accepted", "sent", "deferred", "delivered", "bounced", "failed", "opened",
            "clicked", "complained", "unsubscribed", "read", "received");
    public static final Set<String> CHANNELS = Set.of("email", "sms", "whatsapp");

    public StatusItem {
        if (!STATUSES.contains(status)) throw new IllegalArgumentException("unknown status " + status);
        if (!CHANNELS.contains(channel)) throw new IllegalArgumentException("unknown channel " + channel);
        if (eventKey == null || eventKey.isEmpty()) throw new IllegalArgumentException("an item needs an event key");
    }
}
