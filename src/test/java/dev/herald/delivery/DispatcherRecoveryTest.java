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
 * Two dispatchers on one database. Leases are long (10 min); a worker whose heartbeat is older than
 * {@code deadAfter} (20 s) is dead, and another dispatcher's housekeeping takes its leases back early.
 * The dead worker's late outcomes are recorded as attempts but do not move the delivery.
 */
class DispatcherRecoveryTest {
    static final Duration LEASE = Duration.ofMinutes(10);
    static final Duration DEAD_AFTER = Duration.ofSeconds(20);
    DispatcherHarness x;
    FakeChannel victimChannel;
    FakeChannel survivorChannel;
    Dispatcher victim;
    Dispatcher survivor;

    @BeforeEach
    void start() {
        x = new DispatcherHarness();
        victimChannel = x.channel().schedule("t1", Duration.ofMinutes(1)).schedule("t2", Duration.ofMinutes(1));
        survivorChannel = x.channel().schedule("t1", Duration.ofMinutes(1)).schedule("t2", Duration.ofMinutes(1));
        Dispatcher.Settings s = DispatcherHarness.settings(50, 50, 50, LEASE, DEAD_AFTER);
        victim = x.dispatcher(victimChannel, new RetryPolicy(Duration.ofMinutes(10), DispatcherHarness.fixed(0.5)), s);
        survivor = x.dispatcher(survivorChannel, new RetryPolicy(Duration.ofMinutes(10), DispatcherHarness.fixed(0.5)), s);
        assertThat(victim.workerId()).isNotEqualTo(survivor.workerId());
        victim.housekeep();
        survivor.housekeep();
    }

    @AfterEach
    void stop() {
        x.close();
    }

    @Test
    void aDeadWorkersLeasesAreTakenOverOnceItsHeartbeatIsOlderThanDeadAfter() {
        String d1 = x.deliver("t1");
        String d2 = x.deliver("t2");
        assertThat(ids(victim.claimOnce())).containsExactlyInAnyOrder(d1, d2);
        assertThat(x.workerRegistered(victim.workerId())).isTrue();

        // Exactly deadAfter of silence: not yet dead.
        x.clock.set(x.t0() + DEAD_AFTER.toMillis());
        survivor.housekeep();
        x.assertClaimTakesOnlyAFreshMarker(survivor, survivorChannel);
        assertThat(x.row(d1).leaseOwner()).isEqualTo(victim.workerId());
        assertThat(x.row(d2).leaseOwner()).isEqualTo(victim.workerId());
        assertThat(x.workerRegistered(victim.workerId())).isTrue();

        // One millisecond more: dead. Its leases (good for ten minutes yet) go back to the queue.
        x.clock.set(x.t0() + DEAD_AFTER.toMillis() + 1);
        survivor.housekeep();
        for (String d : new String[] {d1, d2}) {
            Row r = x.row(d);
            assertThat(r.status()).isEqualTo("pending");
            assertThat(r.leaseOwner()).isNull();
            assertThat(r.leaseUntil()).isNull();
        }
        assertThat(x.workerRegistered(victim.workerId())).as("the dead worker is dropped").isFalse();
        assertThat(x.workerRegistered(survivor.workerId())).isTrue();

        long takeover = x.now();
        assertThat(ids(survivor.claimOnce())).containsExactlyInAnyOrder(d1, d2);
        assertThat(x.row(d1).leaseOwner()).isEqualTo(survivor.workerId());
        assertThat(x.row(d1).leaseUntil()).isEqualTo(takeover + LEASE.toMillis());

        // The presumed-dead worker was only stalled: its outcomes arrive late. They are recorded as
        // attempts, but the lease fence leaves each delivery to its new owner: d1's arrives while the new
        // owner's attempt is still in flight, d2's after the new owner has finished.
        victimChannel.open(d1).finish(failed(503, "late"));
        DispatcherHarness.await("the late attempt of d1 recorded", () -> x.attemptRows(d1).size() == 1);
        Row meanwhile = x.row(d1);
        assertThat(meanwhile.status()).isEqualTo("in_flight");
        assertThat(meanwhile.leaseOwner()).isEqualTo(survivor.workerId());
        assertThat(meanwhile.attempts()).isZero();
        assertThat(meanwhile.lastError()).isNull();

        survivorChannel.open(d1).finish(ok());
        survivorChannel.open(d2).finish(ok());
        assertThat(x.awaitAttempts(d1, 1).status()).isEqualTo("succeeded");
        assertThat(x.awaitAttempts(d2, 1).status()).isEqualTo("succeeded");
        victimChannel.open(d2).finish(failed(503, "late"));
        DispatcherHarness.await("the late attempt of d2 recorded", () -> x.attemptRows(d2).size() == 2);
        // A failure's slot is given back once its outcome is recorded.
        DispatcherHarness.await("the victim's slots free", () -> victim.inFlight() == 0);
        for (String d : new String[] {d1, d2}) {
            Row r = x.row(d);
            assertThat(r.status()).isEqualTo("succeeded");
            assertThat(r.attempts()).as("only the owner's outcome moves the delivery").isEqualTo(1);
            assertThat(r.lastStatusCode()).isEqualTo(200);
            assertThat(x.attemptRows(d)).extracting(DispatcherHarness.AttemptRow::statusCode).containsExactlyInAnyOrder(200, 503);
        }
        assertThat(DispatcherHarness.awaitResults(survivorChannel, d1, 1)).extracting(r -> r.outcome().statusCode()).containsExactly(200);
        assertThat(DispatcherHarness.awaitResults(survivorChannel, d2, 1)).extracting(r -> r.outcome().statusCode()).containsExactly(200);
        assertThat(victimChannel.offered()).as("no target effects for outcomes that did not count").isEmpty();
    }

    @Test
    void aWorkerThatKeepsHeartBeatingKeepsItsLeases() {
        String d = x.deliver("t1");
        assertThat(ids(victim.claimOnce())).containsExactly(d);

        x.clock.set(x.t0() + 15_000);
        victim.housekeep();
        // 30 s after the claim, 15 s after its last heartbeat.
        x.clock.set(x.t0() + 30_000);
        survivor.housekeep();
        x.assertClaimTakesOnlyAFreshMarker(survivor, survivorChannel);
        Row r = x.row(d);
        assertThat(r.status()).isEqualTo("in_flight");
        assertThat(r.leaseOwner()).isEqualTo(victim.workerId());
        assertThat(x.workerRegistered(victim.workerId())).isTrue();

        victimChannel.open(d).finish(ok());
        assertThat(x.awaitAttempts(d, 1).status()).isEqualTo("succeeded");
        assertThat(survivorChannel.attemptsOf(d)).isEmpty();
    }
}
