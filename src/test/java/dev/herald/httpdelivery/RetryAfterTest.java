package dev.herald.httpdelivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/** A receiver's Retry-After: both forms, however far away they point, are capped the same way. */
class RetryAfterTest {
    static final Clock CLOCK = Clock.fixed(Instant.parse("2026-03-01T12:00:00Z"), ZoneOffset.UTC);

    @Test
    void aTwentyDigitDelayIsCappedLikeAFarFutureDate() {
        Duration digits = HttpOutcomes.retryAfter("99999999999999999999", CLOCK);
        Duration date = HttpOutcomes.retryAfter("Fri, 31 Dec 9999 23:59:59 GMT", CLOCK);
        assertThat(date).isEqualTo(HttpOutcomes.RETRY_AFTER_CAP);
        assertThat(digits).isEqualTo(date);
        assertThat(HttpOutcomes.retryAfter("0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000120", CLOCK))
                .isEqualTo(Duration.ofMinutes(2));
    }

    @Test
    void ordinaryValuesAreReadAsBefore() {
        assertThat(HttpOutcomes.retryAfter("120", CLOCK)).isEqualTo(Duration.ofMinutes(2));
        assertThat(HttpOutcomes.retryAfter(" 0 ", CLOCK)).isEqualTo(Duration.ZERO);
        assertThat(HttpOutcomes.retryAfter("Sun, 01 Mar 2026 12:05:00 GMT", CLOCK)).isEqualTo(Duration.ofMinutes(5));
        assertThat(HttpOutcomes.retryAfter("Sun, 01 Mar 2026 11:00:00 GMT", CLOCK)).isEqualTo(Duration.ZERO);
        assertThat(HttpOutcomes.retryAfter("-5", CLOCK)).isNull();
        assertThat(HttpOutcomes.retryAfter("soon", CLOCK)).isNull();
        assertThat(HttpOutcomes.retryAfter("", CLOCK)).isNull();
    }
}
