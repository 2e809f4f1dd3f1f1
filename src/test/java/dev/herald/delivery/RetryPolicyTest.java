package dev.herald.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RetryPolicyTest {
    static final List<Duration> SCHEDULE = List.of(Duration.ofSeconds(1), Duration.ofSeconds(5), Duration.ofSeconds(30),
            Duration.ofMinutes(5), Duration.ofHours(2));
    static final Duration MAX = Duration.ofMinutes(10);

    /** A generator whose nextDouble() is fixed, to pin the jitter to an exact point of its range. */
    static RandomGenerator fixed(double value) {
        return new RandomGenerator() {
            @Override
            public long nextLong() {
                throw new UnsupportedOperationException("only nextDouble() is expected");
            }

            @Override
            public double nextDouble() {
                return value;
            }
        };
    }

    static long delayMs(RandomGenerator random, int pos) {
        return new RetryPolicy(MAX, random).nextDelay(SCHEDULE, pos, null).toMillis();
    }

    // ---- the schedule and its jitter

    @ParameterizedTest(name = "schedule[{0}] with random {1} -> {2} ms")
    @CsvSource({
        "0, 0.0, 900", "0, 0.5, 1000", "0, 0.25, 950", "0, 0.75, 1050",
        "1, 0.0, 4500", "1, 0.5, 5000", "1, 1.0, 5500",
        "2, 0.0, 27000", "2, 0.5, 30000",
        "3, 0.0, 270000", "3, 0.5, 300000",
        "4, 0.0, 6480000", "4, 0.5, 7200000",
    })
    void theDelayIsTheScheduleEntryScaledByNinetyToOneHundredTenPercent(int pos, double random, long expectedMs) {
        assertThat(delayMs(fixed(random), pos)).isEqualTo(expectedMs);
    }

    @Test
    void eachPositionUsesItsOwnScheduleEntry() {
        for (int pos = 0; pos < SCHEDULE.size(); pos++) {
            assertThat(delayMs(fixed(0.5), pos)).isEqualTo(SCHEDULE.get(pos).toMillis());
        }
    }

    @Test
    void jitterStaysWithinTenPercentAndSpreadsAcrossTheRange() {
        RetryPolicy policy = new RetryPolicy(MAX, new Random(42));
        for (int pos = 0; pos < SCHEDULE.size(); pos++) {
            long base = SCHEDULE.get(pos).toMillis();
            long min = Long.MAX_VALUE;
            long max = Long.MIN_VALUE;
            double sum = 0;
            int n = 5_000;
            for (int i = 0; i < n; i++) {
                long d = policy.nextDelay(SCHEDULE, pos, null).toMillis();
                assertThat(d).isBetween(Math.round(base * 0.9), Math.round(base * 1.1));
                min = Math.min(min, d);
                max = Math.max(max, d);
                sum += d;
            }
            // Both ends of the band are reached (not a constant, not one-sided) and the mean is the scheduled delay.
            assertThat(min).as("min at pos %d", pos).isLessThan(Math.round(base * 0.91));
            assertThat(max).as("max at pos %d", pos).isGreaterThan(Math.round(base * 1.09));
            assertThat(sum / n).as("mean at pos %d", pos).isCloseTo(base, org.assertj.core.data.Offset.offset(base * 0.01));
        }
    }

    @Test
    void theSameSeedGivesTheSameDelays() {
        RetryPolicy a = new RetryPolicy(MAX, new Random(7));
        RetryPolicy b = new RetryPolicy(MAX, new Random(7));
        for (int i = 0; i < 50; i++) {
            assertThat(a.nextDelay(SCHEDULE, i % SCHEDULE.size(), null)).isEqualTo(b.nextDelay(SCHEDULE, i % SCHEDULE.size(), null));
        }
    }

    @Test
    void aZeroDelayStaysZero() {
        assertThat(new RetryPolicy(MAX, new Random(1)).nextDelay(List.of(Duration.ZERO), 0, null)).isZero();
    }

    // ---- the end of the schedule

    @Test
    void anExhaustedScheduleGivesNull() {
        RetryPolicy policy = new RetryPolicy(MAX, new Random(42));
        assertThat(policy.nextDelay(SCHEDULE, SCHEDULE.size(), null)).isNull();
        assertThat(policy.nextDelay(SCHEDULE, SCHEDULE.size() + 3, null)).isNull();
        assertThat(policy.nextDelay(List.of(), 0, null)).isNull();
        assertThat(policy.nextDelay(SCHEDULE, SCHEDULE.size(), Duration.ofSeconds(30))).as("a Retry-After does not extend the schedule").isNull();
        assertThat(policy.nextDelay(SCHEDULE, SCHEDULE.size() - 1, null)).isNotNull();
    }

    // ---- Retry-After

    @Test
    void aLongerRetryAfterIsHonouredExactly() {
        RetryPolicy policy = new RetryPolicy(MAX, fixed(1.0));
        assertThat(policy.nextDelay(SCHEDULE, 0, Duration.ofSeconds(120))).isEqualTo(Duration.ofSeconds(120));
        assertThat(policy.nextDelay(SCHEDULE, 1, Duration.ofMillis(5_501))).isEqualTo(Duration.ofMillis(5_501));
        assertThat(policy.nextDelay(SCHEDULE, 2, MAX)).isEqualTo(MAX);
    }

    @Test
    void aRetryAfterLongerThanTheMaximumIsCappedAtTheMaximum() {
        RetryPolicy policy = new RetryPolicy(MAX, fixed(0.5));
        assertThat(policy.nextDelay(SCHEDULE, 0, Duration.ofHours(5))).isEqualTo(MAX);
        assertThat(policy.nextDelay(SCHEDULE, 0, Duration.ofMinutes(10).plusMillis(1))).isEqualTo(MAX);
        assertThat(new RetryPolicy(Duration.ofSeconds(3), fixed(0.5)).nextDelay(SCHEDULE, 0, Duration.ofDays(1))).isEqualTo(Duration.ofSeconds(3));
    }

    @Test
    void aShorterRetryAfterIsIgnored() {
        RetryPolicy policy = new RetryPolicy(MAX, fixed(0.0));
        assertThat(policy.nextDelay(SCHEDULE, 2, Duration.ofSeconds(1))).isEqualTo(Duration.ofSeconds(27));
        assertThat(policy.nextDelay(SCHEDULE, 2, Duration.ZERO)).isEqualTo(Duration.ofSeconds(27));
        assertThat(policy.nextDelay(SCHEDULE, 2, Duration.ofSeconds(-5))).isEqualTo(Duration.ofSeconds(27));
    }

    @Test
    void theCapNeverShortensTheScheduledDelay() {
        // The schedule says ~2h; Retry-After asks for 5h and is capped at 10m; the schedule still wins.
        RetryPolicy policy = new RetryPolicy(MAX, fixed(0.5));
        assertThat(policy.nextDelay(SCHEDULE, 4, Duration.ofHours(5))).isEqualTo(Duration.ofHours(2));
    }

    @Test
    void withoutARetryAfterTheJitteredScheduleApplies() {
        RetryPolicy policy = new RetryPolicy(MAX, fixed(0.25));
        assertThat(policy.nextDelay(SCHEDULE, 1, null)).isEqualTo(Duration.ofMillis(4_750));
    }
}
