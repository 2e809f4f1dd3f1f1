package dev.herald.webhooks;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/** A subscription: where a project's matching events are delivered and how. Secrets stay sealed here. */
public record Webhook(
        String id,
        String projectId,
        String url,
        List<String> events,
        String description,
        Map<String, String> headers,
        boolean enabled,
        String disabledReason,
        Long disabledAt,
        List<Duration> retrySchedule,
        int timeoutSeconds,
        String signatureScheme,
        String signatureHeader,
        String secretSealed,
        String secretKid,
        String previousSecretSealed,
        String previousSecretKid,
        Long previousSecretUntil,
        int consecutiveFailures,
        long createdAt,
        long updatedAt,
        String authSealed,
        String authView) {

    public static final int DEFAULT_TIMEOUT_SECONDS = 10;

    /** The context the webhook's auth settings are sealed with. */
    public static String authContext(String webhookId) {
        return "webhook-auth:" + webhookId;
    }

    /** The context a secret of this webhook is sealed with. */
    public static String secretContext(String webhookId) {
        return "webhook:" + webhookId;
    }

    public boolean matches(String eventType) {
        return EventPatterns.matchesAny(events, eventType);
    }
}
