package dev.herald.httpdelivery;

import dev.herald.delivery.AttemptOutcome;
import dev.herald.outbound.ErrorKind;
import dev.herald.outbound.OutboundException;
import dev.herald.outbound.OutboundResponse;
import dev.herald.outbound.PolicyDeniedException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.CompletionException;

/**
 * What an HTTP attempt came to, the same for every HTTP channel: 2xx succeeds; 3xx is a failure
 * ("redirect not followed"); 410 is permanent; 429/503 carry their Retry-After; a policy refusal is
 * permanent; every other failure is retried on the schedule.
 */
public final class HttpOutcomes {
    private HttpOutcomes() {}

    /** The outcome of a request that answered {@code resp} or failed with {@code err}, after {@code ms}. */
    public static AttemptOutcome outcome(OutboundResponse resp, Throwable err, long ms, Clock clock) {
        if (err != null) {
            Throwable c = err instanceof CompletionException && err.getCause() != null ? err.getCause() : err;
            if (c instanceof PolicyDeniedException pd) return failure(ErrorKind.POLICY_DENIED, pd.rule() + ": " + pd.getMessage(), ms, true);
            ErrorKind kind = c instanceof OutboundException oe ? oe.kind() : ErrorKind.IO;
            return failure(kind, c.getMessage(), ms, false);
        }
        String body = new String(resp.captured(), StandardCharsets.UTF_8);
        String cut = resp.tooLarge() ? "response body larger than the maximum response size; the rest was not read" : null;
        if (resp.isSuccess()) return new AttemptOutcome(true, resp.status(), null, cut, body, resp.truncated(), ms, null, false, null);
        int s = resp.status();
        String message = s >= 300 && s < 400 ? "redirect not followed" : cut;
        Duration retryAfter = (s == 429 || s == 503) ? retryAfter(resp.retryAfter(), clock) : null;
        boolean gone = s == 410;
        return new AttemptOutcome(false, s, ErrorKind.HTTP_STATUS.code(), gone ? "410 Gone: receiver asked to stop" : message, body,
                resp.truncated(), ms, retryAfter, gone, gone ? "receiver answered 410 Gone" : null);
    }

    public static AttemptOutcome failure(ErrorKind kind, String message, long ms, boolean permanent) {
        return new AttemptOutcome(false, null, kind.code(), message, null, false, ms, null, permanent, null);
    }

    /** The longest wait a {@code Retry-After} can ask for here; the dispatcher cuts it further to HERALD_RETRY_AFTER_MAX. */
    public static final Duration RETRY_AFTER_CAP = Duration.ofDays(7);

    /**
     * Parses {@code Retry-After}: delta seconds (any number of digits) or an HTTP date. A delay or a date
     * further away than {@link #RETRY_AFTER_CAP} is capped to it, the same for both forms; a date in the
     * past is zero; anything else is ignored (null).
     */
    public static Duration retryAfter(String value, Clock clock) {
        if (value == null || value.isBlank()) return null;
        String v = value.trim();
        if (v.chars().allMatch(c -> c >= '0' && c <= '9')) {
            // More digits than a long holds is still a delay, only a very long one.
            String digits = v.replaceFirst("^0+(?=.)", "");
            if (digits.length() > 12) return RETRY_AFTER_CAP;
            return cap(Duration.ofSeconds(Long.parseLong(digits)));
        }
        try {
            ZonedDateTime t = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME);
            Duration d = Duration.between(clock.instant(), t.toInstant());
            return d.isNegative() ? Duration.ZERO : cap(d);
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static Duration cap(Duration d) {
        return d.compareTo(RETRY_AFTER_CAP) > 0 ? RETRY_AFTER_CAP : d;
    }
}
