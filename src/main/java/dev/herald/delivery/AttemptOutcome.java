package dev.herald.delivery;

import java.time.Duration;

/**
 * What one attempt came to. {@code permanent} failures are dead-lettered at once (410 Gone, a policy
 * refusal); {@code retryAfter} is the receiver's hint on 429/503; {@code disableReason}, when set,
 * disables the target itself. {@code requestHeaders} is what the attempt sent, as a JSON object with
 * secret values already redacted (null when nothing was sent, or the channel does not speak HTTP).
 */
public record AttemptOutcome(
        boolean success,
        Integer statusCode,
        String errorKind,
        String errorMessage,
        String responseBody,
        boolean responseTruncated,
        long durationMs,
        Duration retryAfter,
        boolean permanent,
        String disableReason,
        String requestHeaders) {

    /** An outcome without recorded request headers. */
    public AttemptOutcome(boolean success, Integer statusCode, String errorKind, String errorMessage, String responseBody, boolean responseTruncated,
                          long durationMs, Duration retryAfter, boolean permanent, String disableReason) {
        this(success, statusCode, errorKind, errorMessage, responseBody, responseTruncated, durationMs, retryAfter, permanent, disableReason, null);
    }

    /** This outcome with the (redacted) headers its request sent. */
    public AttemptOutcome withRequestHeaders(String headersJson) {
        return new AttemptOutcome(success, statusCode, errorKind, errorMessage, responseBody, responseTruncated, durationMs, retryAfter, permanent,
                disableReason, headersJson);
    }

    /** Receivers' text is stored as text: a NUL (which PostgreSQL's text type cannot hold) becomes U+FFFD. */
    public AttemptOutcome {
        errorMessage = printable(errorMessage);
        responseBody = printable(responseBody);
    }

    private static String printable(String s) {
        return s == null || s.indexOf('\u0000') < 0 ? s : s.replace('\u0000', '\uFFFD');
    }

    /** One line for {@code last_error} and dead-letter reasons. */
    public String summary() {
        if (success) return null;
        if (errorKind == null) return "failed";
        return errorKind + (statusCode != null ? " " + statusCode : "") + (errorMessage != null ? ": " + errorMessage : "");
    }
}
