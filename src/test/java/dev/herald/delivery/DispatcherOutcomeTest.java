package dev.herald.delivery;

import static dev.herald.delivery.DispatcherHarness.failed;
import static dev.herald.delivery.DispatcherHarness.ids;
import static dev.herald.delivery.DispatcherHarness.ok;
import static dev.herald.delivery.DispatcherHarness.permanent;
import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.delivery.Channel.TargetState;
import dev.herald.delivery.DispatcherHarness.Row;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What the channel hears back, and what it says about its targets: {@link Channel#onOutcomes} (the
 * auto-disable hook) receives every recorded attempt with {@code deadLettered} set exactly when the
 * delivery died; a retry for a target that {@link Channel#targetStates} calls PAUSED is paused, for one
 * that is GONE (or unknown) it is cancelled.
 */
class DispatcherOutcomeTest {
    DispatcherHarness x;
    FakeChannel channel;
    Dispatcher dispatcher;

    @BeforeEach
    void start() {
        x = new DispatcherHarness();
        channel = x.channel();
        dispatcher = x.dispatcher(channel, new RetryPolicy(Duration.ofMinutes(10), DispatcherHarness.fixed(0.5)));
    }

    @AfterEach
    void stop() {
        x.close();
    }

    @Test
    void onOutcomesReceivesEveryRecordedAttemptWithDeadLetteredSetOnlyWhenTheDeliveryDied() {
        channel.schedule("ok", Duration.ofSeconds(10)).answer("ok", ok());
        channel.schedule("retry", Duration.ofSeconds(10)).answer("retry", failed(503, "busy"));
        channel.schedule("exhausted").answer("exhausted", failed(503, "busy"));
        channel.schedule("permanent", Duration.ofSeconds(10)).answer("permanent", permanent(410, "Gone"));
        String okD = x.deliver("ok");
        String retryD = x.deliver("retry");
        String exhaustedD = x.deliver("exhausted");
        String permanentD = x.deliver("permanent");
        assertThat(ids(dispatcher.claimOnce())).containsExactlyInAnyOrder(okD, retryD, exhaustedD, permanentD);

        assertResult(okD, ok(), false, "succeeded");
        assertResult(retryD, failed(503, "busy"), false, "pending");
        assertResult(exhaustedD, failed(503, "busy"), true, "dead");
        assertResult(permanentD, permanent(410, "Gone"), true, "dead");

        // The retry's second attempt, exhausting its one-entry schedule, is reported dead-lettered.
        x.clock.set(x.row(retryD).nextAttemptAt());
        assertThat(ids(dispatcher.claimOnce())).containsExactly(retryD);
        assertThat(x.awaitAttempts(retryD, 2).status()).isEqualTo("dead");
        assertThat(DispatcherHarness.awaitResults(channel, retryD, 2)).extracting(Channel.Result::deadLettered).containsExactly(false, true);
    }

    private void assertResult(String d, AttemptOutcome outcome, boolean deadLettered, String status) {
        assertThat(x.awaitAttempts(d, 1).status()).isEqualTo(status);
        List<Channel.Result> results = DispatcherHarness.awaitResults(channel, d, 1);
        assertThat(results).containsExactly(new Channel.Result(channel.attemptsOf(d).get(0).claim(), outcome, deadLettered));
    }

    @Test
    void retriesForAPausedTargetArePausedAndForAGoneOrUnknownTargetCancelled() {
        for (String t : List.of("active", "paused", "gone", "unknown", "paused-ok", "paused-dead")) channel.schedule(t, Duration.ofSeconds(10));
        channel.answer("active", failed(503, "busy"));
        channel.state("paused", TargetState.PAUSED).answer("paused", failed(503, "busy"));
        channel.state("gone", TargetState.GONE).answer("gone", failed(503, "busy"));
        channel.forget("unknown").answer("unknown", failed(503, "busy"));
        channel.state("paused-ok", TargetState.PAUSED).answer("paused-ok", ok());
        channel.state("paused-dead", TargetState.PAUSED).answer("paused-dead", permanent(410, "Gone"));
        String active = x.deliver("active");
        String paused = x.deliver("paused");
        String gone = x.deliver("gone");
        String unknown = x.deliver("unknown");
        String pausedOk = x.deliver("paused-ok");
        String pausedDead = x.deliver("paused-dead");
        x.clock.advance(Duration.ofSeconds(1));
        long finished = x.now();
        assertThat(dispatcher.claimOnce()).hasSize(6);

        Row a = x.awaitAttempts(active, 1);
        assertThat(a.status()).isEqualTo("pending");
        assertThat(a.nextAttemptAt()).isEqualTo(finished + 10_000);
        Row p = x.awaitAttempts(paused, 1);
        assertThat(p.status()).isEqualTo("paused");
        assertThat(p.schedulePos()).as("the retry keeps its place in the schedule").isEqualTo(1);
        assertThat(p.nextAttemptAt()).isEqualTo(finished + 10_000);
        assertThat(p.completedAt()).isNull();
        assertThat(p.lastError()).isEqualTo("http 503: busy");
        for (String d : List.of(gone, unknown)) {
            Row c = x.awaitAttempts(d, 1);
            assertThat(c.status()).as(d).isEqualTo("cancelled");
            assertThat(c.nextAttemptAt()).isNull();
            assertThat(c.completedAt()).isEqualTo(finished);
            assertThat(c.deadReason()).isNull();
        }
        // Only retries ask: a success or a dead letter stands whatever the target's state.
        assertThat(x.awaitAttempts(pausedOk, 1).status()).isEqualTo("succeeded");
        assertThat(x.awaitAttempts(pausedDead, 1).status()).isEqualTo("dead");
        Set<String> asked = new HashSet<>();
        channel.stateQueries().forEach(asked::addAll);
        assertThat(asked).containsExactlyInAnyOrder("active", "paused", "gone", "unknown");

        for (String d : List.of(active, paused, gone, unknown, pausedOk, pausedDead)) {
            assertThat(DispatcherHarness.awaitResults(channel, d, 1)).extracting(Channel.Result::deadLettered)
                    .containsExactly(d.equals(pausedDead));
        }

        // When the retry is due, only the active target's is attempted.
        channel.answer("active", ok()).answer("paused", ok());
        x.clock.set(finished + 10_000);
        assertThat(ids(dispatcher.claimOnce())).containsExactly(active);
        assertThat(x.awaitAttempts(active, 2).status()).isEqualTo("succeeded");
        assertThat(x.row(paused).status()).isEqualTo("paused");
        assertThat(channel.attemptsOf(paused)).hasSize(1);
    }

    @Test
    void aChannelThatCannotSayItsScheduleLeaksNoSlotAndLosesNoOutcome() {
        channel.answer("unscheduled", failed(503, "busy")); // no schedule scripted: retrySchedule throws
        String d = x.deliver("unscheduled");
        assertThat(ids(dispatcher.claimOnce())).containsExactly(d);
        Row dead = x.awaitAttempts(d, 1);
        assertThat(dead.status()).isEqualTo("dead");
        assertThat(dead.deadReason()).startsWith("internal: cannot schedule the next attempt").endsWith("last: http 503: busy");
        assertThat(DispatcherHarness.awaitResults(channel, d, 1)).extracting(Channel.Result::deadLettered).containsExactly(true);
        assertThat(dispatcher.inFlight()).as("the slot was released").isZero();
    }

    @Test
    void aDeliveryForAChannelThisDispatcherDoesNotHaveIsDeadLetteredAsAnInternalFailure() {
        String d = x.deliverVia("carrier-pigeon", "t", x.now());
        x.expectAttemptsWithoutAChannel(1);
        assertThat(ids(dispatcher.claimOnce())).containsExactly(d);
        Row dead = x.awaitAttempts(d, 1);
        assertThat(dead.status()).isEqualTo("dead");
        assertThat(dead.deadReason()).endsWith("internal: no channel carrier-pigeon");
        assertThat(x.attemptRows(d)).extracting(DispatcherHarness.AttemptRow::errorKind).containsExactly("internal");
        assertThat(channel.attempts()).isEmpty();
        assertThat(channel.offered()).isEmpty();
    }
}
