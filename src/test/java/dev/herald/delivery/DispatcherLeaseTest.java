package dev.herald.delivery;

import static dev.herald.delivery.DispatcherHarness.failed;
import static dev.herald.delivery.DispatcherHarness.ids;
import static dev.herald.delivery.DispatcherHarness.ok;
import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.delivery.DispatcherHarness.Row;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Leases, driven with a fake clock: a claim leases a delivery to its worker until now + lease; while the
 * lease lives nobody else takes it; once it has expired, housekeeping returns it to the queue and it is
 * attempted again.
 */
class DispatcherLeaseTest {
    static final Duration LEASE = Duration.ofSeconds(30);
    DispatcherHarness x;
    FakeChannel channel;
    Dispatcher dispatcher;

    @BeforeEach
    void start() {
        x = new DispatcherHarness();
        channel = x.channel().schedule("t", Duration.ofMinutes(1));
        dispatcher = x.dispatcher(channel, DispatcherHarness.policy(Duration.ofMinutes(10), 0.5, 0.5));
        dispatcher.housekeep();
    }

    @AfterEach
    void stop() {
        x.close();
    }

    @Test
    void aClaimLeasesTheDeliveryToItsWorkerUntilNowPlusTheLeaseAndTheOutcomeClearsTheLease() {
        String d = x.deliver("t");
        assertThat(x.row(d).status()).isEqualTo("pending");

        assertThat(ids(dispatcher.claimOnce())).containsExactly(d);

        Row leased = x.row(d);
        assertThat(leased.status()).isEqualTo("in_flight");
        assertThat(leased.leaseOwner()).isEqualTo(dispatcher.workerId());
        assertThat(leased.leaseUntil()).isEqualTo(x.t0() + LEASE.toMillis());
        assertThat(leased.attempts()).isZero();
        assertThat(channel.attempts()).hasSize(1);
        FakeChannel.Attempt a = channel.attempts().get(0);
        assertThat(a.claim()).isEqualTo(new Claim(d, DispatcherHarness.PROJECT, a.message().id(), DispatcherHarness.CHANNEL, "t", 0, 0, x.t0() + LEASE.toMillis()));
        assertThat(a.message().body()).asString().isEqualTo("{\"to\":\"t\"}");
        assertThat(dispatcher.inFlight()).isEqualTo(1);

        // The attempt takes 2 s of the clock; it is recorded with the time it began.
        x.clock.advance(Duration.ofSeconds(2));
        a.finish(ok());
        assertThat(dispatcher.inFlight()).isZero();
        Row done = x.awaitAttempts(d, 1);
        assertThat(done.status()).isEqualTo("succeeded");
        assertThat(done.leaseOwner()).isNull();
        assertThat(done.leaseUntil()).isNull();
        assertThat(done.nextAttemptAt()).isNull();
        assertThat(done.completedAt()).isEqualTo(x.t0() + 2_000);
        assertThat(done.lastStatusCode()).isEqualTo(200);
        assertThat(done.lastError()).isNull();
        assertThat(x.attemptRows(d)).containsExactly(new DispatcherHarness.AttemptRow(1, x.t0(), 12, 200, null, null, "thanks"));
    }

    @Test
    void aLiveLeaseIsNotTakenByItsOwnerOrByAnotherDispatcher() {
        String d = x.deliver("t");
        assertThat(ids(dispatcher.claimOnce())).containsExactly(d);
        FakeChannel otherChannel = x.channel().schedule("t", Duration.ofMinutes(1));
        Dispatcher other = x.dispatcher(otherChannel, DispatcherHarness.policy(Duration.ofMinutes(10)));

        // The last millisecond of the lease: it has not expired (expired means lease_until < now).
        x.clock.set(x.t0() + LEASE.toMillis());
        other.housekeep();
        dispatcher.housekeep();
        x.assertClaimTakesOnlyAFreshMarker(other, otherChannel);
        x.assertClaimTakesOnlyAFreshMarker(dispatcher, channel);

        Row r = x.row(d);
        assertThat(r.status()).isEqualTo("in_flight");
        assertThat(r.leaseOwner()).isEqualTo(dispatcher.workerId());
        assertThat(r.leaseUntil()).isEqualTo(x.t0() + LEASE.toMillis());
        assertThat(channel.attemptsOf(d)).hasSize(1);
        assertThat(otherChannel.attemptsOf(d)).isEmpty();

        channel.open(d).finish(ok());
        assertThat(x.awaitAttempts(d, 1).status()).isEqualTo("succeeded");
    }

    @Test
    void anExpiredLeaseReturnsToTheQueueOnHousekeepingAndIsAttemptedAgain() {
        String d = x.deliver("t");
        assertThat(ids(dispatcher.claimOnce())).containsExactly(d);
        // The attempt hangs (its outcome never comes) past the lease.
        x.clock.set(x.t0() + LEASE.toMillis() + 1);

        // Expired but not yet returned: a claim takes only pending work.
        x.assertClaimTakesOnlyAFreshMarker(dispatcher, channel);
        assertThat(x.row(d).status()).isEqualTo("in_flight");

        dispatcher.housekeep();
        Row returned = x.row(d);
        assertThat(returned.status()).isEqualTo("pending");
        assertThat(returned.leaseOwner()).isNull();
        assertThat(returned.leaseUntil()).isNull();
        assertThat(returned.attempts()).as("the hung attempt was never recorded").isZero();
        assertThat(returned.nextAttemptAt()).as("due as before").isEqualTo(x.t0());

        long again = x.now();
        assertThat(ids(dispatcher.claimOnce())).containsExactly(d);
        assertThat(channel.attemptsOf(d)).hasSize(2);
        assertThat(channel.attemptsOf(d).get(1).claim().attempts()).isZero();
        assertThat(x.row(d).leaseUntil()).isEqualTo(again + LEASE.toMillis());

        // The hung first attempt answers now, under the lease that was taken back: it is recorded, but the
        // delivery stays with the second claim (same worker, new lease).
        channel.attemptsOf(d).get(0).finish(ok());
        DispatcherHarness.await("the stale attempt recorded", () -> x.attemptRows(d).size() == 1);
        Row stillLeased = x.row(d);
        assertThat(stillLeased.status()).isEqualTo("in_flight");
        assertThat(stillLeased.leaseUntil()).isEqualTo(again + LEASE.toMillis());

        // It fails 5 s later: the retry is due a scheduled delay after the failure, not after the start.
        x.clock.advance(Duration.ofSeconds(5));
        channel.attemptsOf(d).get(1).finish(failed(500, "boom"));
        DispatcherHarness.await("the second attempt recorded", () -> x.attemptRows(d).size() == 2);
        Row retried = x.row(d);
        assertThat(retried.status()).isEqualTo("pending");
        assertThat(retried.nextAttemptAt()).isEqualTo(again + 5_000 + 60_000);
        assertThat(x.attemptRows(d)).extracting(DispatcherHarness.AttemptRow::startedAt).containsExactly(x.t0(), again);
    }
}
