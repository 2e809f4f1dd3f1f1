package dev.herald.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RetryPolicyTest {
    static final List<Duration> SCHEDULE = List.of(Duration.ofSeconds(1), Duration.ofSeconds(5), Duration.ofSeconds(30));
    final RetryPolicy policy = new RetryPolicy(Duration.ofMinutes(10), new Random(42));

    @Test
    void delaysFollowTheScheduleWithinTenPercentJitter() {
        long min = Long.MAX_VALUE;
        long max = 0;
        for (int i = 0; i < 2_000; i++) {
            long d = policy.nextDelay(SCHEDULE, 1, null).toMillis();
            min = Math.min(min, d);
            max = Math.max(max, d);
        }
        assertThat(min).isBetween(4_500L, 4_700L);
        assertThat(max).isBetween(5_300L, 5_500L);
    }

    @Test
    void theScheduleEnds() {
        assertThat(policy.nextDelay(SCHEDULE, 3, null)).isNull();
        assertThat(policy.nextDelay(List.of(), 0, null)).isNull();
    }

    @Test
    void retryAfterIsHonouredWhenLongerAndCappedAtTheMaximum() {
        assertThat(policy.nextDelay(SCHEDULE, 0, Duration.ofSeconds(120))).isEqualTo(Duration.ofSeconds(120));
        assertThat(policy.nextDelay(SCHEDULE, 0, Duration.ofHours(5))).isEqualTo(Duration.ofMinutes(10));
        assertThat(policy.nextDelay(SCHEDULE, 2, Duration.ofSeconds(1)).toMillis()).isGreaterThanOrEqualTo(27_000);
    }
}
