package dev.herald.delivery;

import java.time.Duration;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * When to try again. The n-th retry waits {@code schedule[n]} with up to ±10% jitter (so a burst of
 * failures does not retry in lockstep); a receiver's {@code Retry-After} on 429/503 is honoured when it
 * asks for longer, up to {@code retryAfterMax}.
 */
public final class RetryPolicy {
    private final Duration retryAfterMax;
    private final RandomGenerator random;

    public RetryPolicy(Duration retryAfterMax, RandomGenerator random) {
        this.retryAfterMax = retryAfterMax;
        this.random = random;
    }

    /** The delay before the next attempt, or null when the schedule is exhausted. */
    public Duration nextDelay(List<Duration> schedule, int schedulePos, Duration retryAfter) {
        if (schedulePos >= schedule.size()) return null;
        long base = schedule.get(schedulePos).toMillis();
        long jittered = Math.max(0, Math.round(base * (0.9 + 0.2 * random.nextDouble())));
        if (retryAfter != null) {
            long hint = Math.min(retryAfter.toMillis(), retryAfterMax.toMillis());
            jittered = Math.max(jittered, hint);
        }
        return Duration.ofMillis(jittered);
    }
}
