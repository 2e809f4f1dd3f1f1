package dev.herald.delivery;

import java.time.Duration;

/**
 * What one attempt came to. {@code permanent} failures are dead-lettered at once (410 Gone, a policy
 * refusal); {@code retryAfter} is the receiver's hint on 429/503; {@code disableReason}, when set,
 * disables the target itself.
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
        String disableReason) {

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
