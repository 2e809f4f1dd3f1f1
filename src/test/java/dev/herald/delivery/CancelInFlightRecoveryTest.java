package dev.herald.delivery;

import static dev.herald.delivery.DispatcherHarness.ids;
import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.delivery.DispatcherHarness.Row;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A delivery cancelled while in flight whose worker then dies: the lease is taken back as a cancellation, not a retry. */
class CancelInFlightRecoveryTest {
    static final Duration DEAD_AFTER = Duration.ofSeconds(20);
    DispatcherHarness x;
    FakeChannel survivorChannel;
    Dispatcher victim;
    Dispatcher survivor;

    @BeforeEach
    void start() {
        x = new DispatcherHarness();
        FakeChannel victimChannel = x.channel().schedule("t1", Duration.ofMinutes(1));
        survivorChannel = x.channel().schedule("t1", Duration.ofMinutes(1));
        Dispatcher.Settings s = DispatcherHarness.settings(50, 50, 50, Duration.ofMinutes(10), DEAD_AFTER);
        victim = x.dispatcher(victimChannel, new RetryPolicy(Duration.ofMinutes(10), DispatcherHarness.fixed(0.5)), s);
        survivor = x.dispatcher(survivorChannel, new RetryPolicy(Duration.ofMinutes(10), DispatcherHarness.fixed(0.5)), s);
        victim.housekeep();
        survivor.housekeep();
    }

    @AfterEach
    void stop() {
        x.close();
    }

    @Test
    void aCancelledInFlightDeliveryWhoseWorkerDiesIsCancelledWhenItsLeaseIsTakenBack() {
        String d = x.deliver("t1");
        assertThat(ids(victim.claimOnce())).containsExactly(d);
        String outcome = x.db.writer().execute(h -> DeliveryRepository.cancel(h, DispatcherHarness.PROJECT, d, x.now()));
        assertThat(outcome).isEqualTo("cancelling");
        assertThat(x.row(d).status()).isEqualTo("in_flight");

        x.clock.set(x.t0() + DEAD_AFTER.toMillis() + 1);
        survivor.housekeep();
        Row r = x.row(d);
        assertThat(r.status()).isEqualTo("cancelled");
        assertThat(r.leaseOwner()).isNull();
        assertThat(r.completedAt()).isEqualTo(x.now());
        x.assertClaimTakesOnlyAFreshMarker(survivor, survivorChannel);
    }
}
