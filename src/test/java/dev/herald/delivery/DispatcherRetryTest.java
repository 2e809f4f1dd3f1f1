package dev.herald.delivery;

import static dev.herald.delivery.DispatcherHarness.failed;
import static dev.herald.delivery.DispatcherHarness.ids;
import static dev.herald.delivery.DispatcherHarness.ok;
import static dev.herald.delivery.DispatcherHarness.permanent;
import static dev.herald.delivery.DispatcherHarness.retryAfter;
import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.delivery.DispatcherHarness.AttemptRow;
import dev.herald.delivery.DispatcherHarness.Row;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Retries on the target's own schedule with RetryPolicy's jitter (±10%), a receiver's Retry-After (honoured
 * when longer, capped at retryAfterMax), and dead-lettering: when the schedule is exhausted, or at once on a
 * permanent failure. Each attempt is due exactly at the time recorded in next_attempt_at, not a millisecond
 * before.
 */
class DispatcherRetryTest {
    static final Duration RETRY_AFTER_MAX = Duration.ofMinutes(2);
    DispatcherHarness x;
    FakeChannel channel;

    @BeforeEach
    void start() {
        x = new DispatcherHarness();
        channel = x.channel();
    }

    @AfterEach
    void stop() {
        x.close();
    }

    @Test
    void failedAttemptsAreRetriedOnTheTargetsScheduleAndDeadLetteredWhenItIsExhausted() {
        channel.schedule("t", Duration.ofSeconds(10), Duration.ofMinutes(1), Duration.ofMinutes(5)).answer("t", failed(503, "Service Unavailable"));
        // Jitter pinned to the bottom, the top and the middle of RetryPolicy's band: 10 s x 0.9, 1 min x 1.1, 5 min x 1.0.
        Dispatcher dispatcher = x.dispatcher(channel, DispatcherHarness.policy(RETRY_AFTER_MAX, 0.0, 1.0, 0.5));
        long[] delays = {9_000, 66_000, 300_000};
        String d = x.deliver("t");
        List<Long> started = new ArrayList<>();

        for (int n = 1; n <= 3; n++) {
            started.add(x.now());
            List<Claim> claimed = dispatcher.claimOnce();
            assertThat(ids(claimed)).containsExactly(d);
            assertThat(claimed.get(0).attempts()).isEqualTo(n - 1);
            assertThat(claimed.get(0).schedulePos()).isEqualTo(n - 1);
            Row r = x.awaitAttempts(d, n);
            assertThat(r.status()).isEqualTo("pending");
            assertThat(r.schedulePos()).isEqualTo(n);
            assertThat(r.nextAttemptAt()).as("retry %d due at now + delay", n).isEqualTo(x.now() + delays[n - 1]);
            assertThat(r.leaseOwner()).isNull();
            assertThat(r.lastStatusCode()).isEqualTo(503);
            assertThat(r.lastError()).isEqualTo("http 503: Service Unavailable");
            assertThat(r.deadReason()).isNull();
            assertThat(r.completedAt()).isNull();

            x.clock.set(r.nextAttemptAt() - 1);
            x.assertClaimTakesOnlyAFreshMarker(dispatcher, channel);
            x.clock.set(r.nextAttemptAt());
        }

        started.add(x.now());
        assertThat(ids(dispatcher.claimOnce())).containsExactly(d);
        Row dead = x.awaitAttempts(d, 4);
        assertThat(dead.status()).isEqualTo("dead");
        assertThat(dead.deadReason()).isEqualTo("exhausted after 4 attempts; last: http 503: Service Unavailable");
        assertThat(dead.nextAttemptAt()).isNull();
        assertThat(dead.completedAt()).isEqualTo(x.now());
        assertThat(dead.schedulePos()).isEqualTo(3);
        assertThat(dead.leaseOwner()).isNull();

        assertThat(x.attemptRows(d)).containsExactly(
                new AttemptRow(1, started.get(0), 34, 503, "http", "Service Unavailable", "try later"),
                new AttemptRow(2, started.get(1), 34, 503, "http", "Service Unavailable", "try later"),
                new AttemptRow(3, started.get(2), 34, 503, "http", "Service Unavailable", "try later"),
                new AttemptRow(4, started.get(3), 34, 503, "http", "Service Unavailable", "try later"));
        assertThat(DispatcherHarness.awaitResults(channel, d, 4)).extracting(Channel.Result::deadLettered)
                .containsExactly(false, false, false, true);

        // Dead is final: a month on it is still not attempted.
        x.clock.advance(Duration.ofDays(30));
        x.assertClaimTakesOnlyAFreshMarker(dispatcher, channel);
        assertThat(channel.attemptsOf(d)).hasSize(4);
    }

    @Test
    void eachRetryIsDueAtNowPlusTheDelayRetryPolicyDrawsWithinTenPercentOfTheSchedule() {
        long seed = 20_300_101L;
        Duration scheduled = Duration.ofSeconds(100);
        Dispatcher dispatcher = x.dispatcher(channel, new RetryPolicy(RETRY_AFTER_MAX, new Random(seed)));
        List<String> ds = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            channel.schedule("t" + i, scheduled).answer("t" + i, failed(500, "oops"));
            ds.add(x.deliver("t" + i));
        }
        assertThat(ids(dispatcher.claimOnce())).containsExactlyInAnyOrderElementsOf(ds);

        List<Long> delays = new ArrayList<>();
        for (String d : ds) delays.add(x.awaitAttempts(d, 1).nextAttemptAt() - x.t0());
        // The same seed draws the same delays (in whatever order the attempts finished).
        RetryPolicy twin = new RetryPolicy(RETRY_AFTER_MAX, new Random(seed));
        List<Long> drawn = new ArrayList<>();
        for (int i = 0; i < ds.size(); i++) drawn.add(twin.nextDelay(List.of(scheduled), 0, null).toMillis());
        assertThat(delays).containsExactlyInAnyOrderElementsOf(drawn);
        assertThat(delays).allSatisfy(ms -> assertThat(ms).isBetween(90_000L, 110_000L));
        assertThat(new HashSet<>(delays)).as("jittered, not in lockstep").hasSizeGreaterThan(10);

        // None is due a millisecond before its time; at the top of the band all are.
        long first = delays.stream().mapToLong(Long::longValue).min().orElseThrow();
        x.clock.set(x.t0() + first - 1);
        x.assertClaimTakesOnlyAFreshMarker(dispatcher, channel);
        for (int i = 0; i < ds.size(); i++) channel.answer("t" + i, ok());
        x.clock.set(x.t0() + 110_000);
        assertThat(ids(dispatcher.claimOnce())).containsExactlyInAnyOrderElementsOf(ds);
        for (String d : ds) assertThat(x.awaitAttempts(d, 2).status()).isEqualTo("succeeded");
    }

    @Test
    void aRetryAfterIsHonouredWhenLongerThanTheScheduleCappedAtRetryAfterMaxAndIgnoredWhenShorter() {
        Dispatcher dispatcher = x.dispatcher(channel, new RetryPolicy(RETRY_AFTER_MAX, DispatcherHarness.fixed(0.5)));
        channel.schedule("longer", Duration.ofSeconds(10)).answer("longer", retryAfter(429, "Too Many Requests", Duration.ofSeconds(45)));
        channel.schedule("capped", Duration.ofSeconds(10)).answer("capped", retryAfter(503, "Service Unavailable", Duration.ofHours(1)));
        channel.schedule("shorter", Duration.ofSeconds(30)).answer("shorter", retryAfter(429, "Too Many Requests", Duration.ofSeconds(1)));
        channel.schedule("exhausted").answer("exhausted", retryAfter(429, "Too Many Requests", Duration.ofSeconds(30)));
        String longer = x.deliver("longer");
        String capped = x.deliver("capped");
        String shorter = x.deliver("shorter");
        String exhausted = x.deliver("exhausted");
        assertThat(ids(dispatcher.claimOnce())).containsExactlyInAnyOrder(longer, capped, shorter, exhausted);

        assertThat(x.awaitAttempts(longer, 1).nextAttemptAt()).isEqualTo(x.t0() + 45_000);
        assertThat(x.awaitAttempts(capped, 1).nextAttemptAt()).isEqualTo(x.t0() + RETRY_AFTER_MAX.toMillis());
        assertThat(x.awaitAttempts(shorter, 1).nextAttemptAt()).isEqualTo(x.t0() + 30_000);
        Row dead = x.awaitAttempts(exhausted, 1);
        assertThat(dead.status()).as("a Retry-After does not extend the schedule").isEqualTo("dead");
        assertThat(dead.deadReason()).isEqualTo("exhausted after 1 attempt; last: http 429: Too Many Requests");

        for (String t : List.of("longer", "capped", "shorter")) channel.answer(t, ok());
        x.clock.set(x.t0() + 44_999);
        assertThat(ids(dispatcher.claimOnce())).as("due: the shorter hint's schedule; not yet: the longer hint").containsExactly(shorter);
        x.clock.set(x.t0() + 45_000);
        assertThat(ids(dispatcher.claimOnce())).containsExactly(longer);
        x.clock.set(x.t0() + RETRY_AFTER_MAX.toMillis() - 1);
        x.assertClaimTakesOnlyAFreshMarker(dispatcher, channel);
        x.clock.set(x.t0() + RETRY_AFTER_MAX.toMillis());
        assertThat(ids(dispatcher.claimOnce())).containsExactly(capped);
        for (String d : List.of(longer, capped, shorter)) assertThat(x.awaitAttempts(d, 2).status()).isEqualTo("succeeded");
    }

    @Test
    void aPermanentFailureIsDeadLetteredAtOnceWithItsSummaryAsTheReason() {
        Dispatcher dispatcher = x.dispatcher(channel, new RetryPolicy(RETRY_AFTER_MAX, DispatcherHarness.fixed(0.5)));
        channel.schedule("t", Duration.ofSeconds(10), Duration.ofMinutes(1)).answer("t", permanent(410, "Gone"));
        String d = x.deliver("t");
        x.clock.advance(Duration.ofSeconds(3));
        assertThat(ids(dispatcher.claimOnce())).containsExactly(d);

        Row dead = x.awaitAttempts(d, 1);
        assertThat(dead.status()).isEqualTo("dead");
        assertThat(dead.deadReason()).isEqualTo("http 410: Gone");
        assertThat(dead.schedulePos()).as("the schedule was not used").isZero();
        assertThat(dead.nextAttemptAt()).isNull();
        assertThat(dead.completedAt()).isEqualTo(x.t0() + 3_000);
        assertThat(dead.lastStatusCode()).isEqualTo(410);
        assertThat(x.attemptRows(d)).containsExactly(new AttemptRow(1, x.t0() + 3_000, 7, 410, "http", "Gone", null));
        assertThat(DispatcherHarness.awaitResults(channel, d, 1)).extracting(Channel.Result::deadLettered).containsExactly(true);
    }
}
