package dev.herald.connections;

import dev.herald.outbound.Auth;
import java.util.List;
import java.util.Map;

/**
 * What a connection reaches and how: one of three types. Values hold secrets in clear and live only in
 * memory; at rest they are sealed ({@link ConnectionJson#write}).
 */
public sealed interface ConnectionDetails {
    List<String> TYPES = List.of(EmailWebhook.TYPE, Http.TYPE, Slack.TYPE);
    long DEFAULT_MAX_RESPONSE_SIZE = 10_485_760L;
    int DEFAULT_TIMEOUT_SECONDS = 30;

    String type();

    /** Seed 000's "Send Email via Webhook": a fixed {@code POST /} of the approved customer email, optionally HMAC-signed. */
    record EmailWebhook(String baseUrl, Map<String, String> headers, long maxResponseSizeBytes, int timeoutSeconds,
                        String webhookSigningSecret, String slackConnectionName, String slackChannel, Auth auth) implements ConnectionDetails {
        public static final String TYPE = "email_webhook";
        public static final List<String> ROUTES = List.of("POST /");

        @Override
        public String type() {
            return TYPE;
        }

        @Override
        public String toString() {
            return "EmailWebhook[" + baseUrl + "]";
        }
    }

    /** A generic HTTP API: requests go to {@code base_url} + a path, limited to {@code allowed_routes}. */
    record Http(String baseUrl, List<String> allowedRoutes, Map<String, String> headers, long maxResponseSizeBytes, int timeoutSeconds, Auth auth)
            implements ConnectionDetails {
        public static final String TYPE = "http";

        @Override
        public String type() {
            return TYPE;
        }

        @Override
        public String toString() {
            return "Http[" + baseUrl + "]";
        }
    }

    /** Slack: an incoming-webhook URL (itself a secret) or a bot token for chat.postMessage. */
    record Slack(String webhookUrl, String botToken, String defaultChannel) implements ConnectionDetails {
        public static final String TYPE = "slack";
        /** Where a bot token posts. */
        public static final String POST_MESSAGE_URL = "https://slack.com/api/chat.postMessage";

        @Override
        public String type() {
            return TYPE;
        }

        @Override
        public String toString() {
            return "Slack[" + (webhookUrl != null ? "incoming webhook" : "bot token") + "]";
        }
    }
}
