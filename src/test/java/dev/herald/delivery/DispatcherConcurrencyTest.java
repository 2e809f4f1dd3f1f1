package dev.herald.delivery;

import static dev.herald.delivery.DispatcherHarness.ids;
import static dev.herald.delivery.DispatcherHarness.ok;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.herald.store.Dialect;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Concurrency limits, with attempts held open by the channel: never more than the global limit in flight,
 * never more than the per-target limit for one target (while other targets keep flowing), and a freed
 * slot lets the next due delivery start. Deliveries are due a second apart, so the order they are claimed
 * in is known.
 */
class DispatcherConcurrencyTest {
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

    private Dispatcher dispatcher(int global, int perTarget, int batch) {
        return x.dispatcher(channel, new RetryPolicy(Duration.ofMinutes(10), DispatcherHarness.fixed(0.5)),
                DispatcherHarness.settings(global, perTarget, batch, Duration.ofMinutes(5), Duration.ofMinutes(10)));
    }

    /** {@code n} held deliveries to {@code target}, due one second apart, the first {@code secondsAgo} seconds ago. */
    private List<String> queue(String target, int n, int secondsAgo) {
        List<String> ds = new ArrayList<>();
        for (int i = 0; i < n; i++) ds.add(x.deliverDueAt(target, x.now() - (secondsAgo - i) * 1_000L));
        return ds;
    }

    private void succeed(String d) {
        channel.open(d).finish(ok());
        assertThat(x.awaitAttempts(d, 1).status()).isEqualTo("succeeded");
    }

    @Test
    void noMoreThanTheGlobalLimitIsInFlightAndFreeingASlotLetsTheNextStart() {
        Dispatcher dispatcher = dispatcher(3, 10, 10);
        List<String> d = new ArrayList<>();
        for (int i = 0; i < 6; i++) d.add(x.deliverDueAt("t" + i, x.now() - (6 - i) * 1_000L));

        assertThat(ids(dispatcher.claimOnce())).containsExactly(d.get(0), d.get(1), d.get(2));
        assertThat(dispatcher.inFlight()).isEqualTo(3);
        assertThat(dispatcher.claimOnce()).as("no free slot, no claim").isEmpty();
        for (String later : d.subList(3, 6)) assertThat(x.row(later).status()).isEqualTo("pending");

        succeed(d.get(1));
        assertThat(dispatcher.inFlight()).isEqualTo(2);
        assertThat(ids(dispatcher.claimOnce())).containsExactly(d.get(3));
        assertThat(dispatcher.claimOnce()).isEmpty();

        succeed(d.get(0));
        succeed(d.get(2));
        assertThat(ids(dispatcher.claimOnce())).containsExactly(d.get(4), d.get(5));
        for (String rest : List.of(d.get(3), d.get(4), d.get(5))) succeed(rest);
        assertThat(dispatcher.inFlight()).isZero();

        assertThat(channel.maxOpen()).isEqualTo(3);
        for (String one : d) assertThat(channel.attemptsOf(one)).as(one).hasSize(1);
    }

    @Test
    void noMoreThanThePerTargetLimitIsInFlightForATargetWhileOtherTargetsKeepFlowing() {
        Dispatcher dispatcher = dispatcher(10, 2, 10);
        List<String> slow = queue("slow", 5, 10);
        List<String> other = queue("other", 1, 5);

        assertThat(ids(dispatcher.claimOnce())).containsExactlyInAnyOrder(slow.get(0), slow.get(1), other.get(0));
        assertThat(dispatcher.claimOnce()).as("slow is full, other has nothing more due").isEmpty();
        for (String s : slow.subList(2, 5)) assertThat(x.row(s).status()).isEqualTo("pending");

        // Another target's new work starts at once (its second slot); slow's waits.
        String more = x.deliver("other");
        assertThat(ids(dispatcher.claimOnce())).containsExactly(more);

        // A slow slot frees (and its outcome is recorded): the next slow delivery starts, and only it.
        succeed(slow.get(0));
        assertThat(ids(dispatcher.claimOnce())).containsExactly(slow.get(2));
        succeed(slow.get(1));
        succeed(slow.get(2));
        assertThat(ids(dispatcher.claimOnce())).containsExactly(slow.get(3), slow.get(4));
        for (String s : List.of(slow.get(3), slow.get(4), other.get(0), more)) succeed(s);

        assertThat(channel.maxOpen("slow")).isEqualTo(2);
        assertThat(channel.maxOpen("other")).isEqualTo(2);
        assertThat(channel.attempts()).hasSize(7);
    }

    @Test
    void aClaimTakesAtMostBatchSizeDeliveries() {
        Dispatcher dispatcher = dispatcher(10, 10, 2);
        List<String> d = new ArrayList<>();
        for (int i = 0; i < 5; i++) d.add(x.deliverDueAt("t" + i, x.now() - (5 - i) * 1_000L));
        assertThat(ids(dispatcher.claimOnce())).containsExactly(d.get(0), d.get(1));
        assertThat(ids(dispatcher.claimOnce())).containsExactly(d.get(2), d.get(3));
        assertThat(ids(dispatcher.claimOnce())).containsExactly(d.get(4));
        for (String one : d) succeed(one);
    }

    /**
     * A target at its limit whose backlog is longer than what one claim reads from the head of the queue
     * (four times the batch, at least 64): other targets' work behind that backlog still starts at once, in
     * due order, and the busy target gets its next delivery as soon as a slot frees. On both engines
     * (PostgreSQL's herald_claim() chooses the same way since migration V13).
     */
    @Test
    void workBehindTheLongBacklogOfATargetAtItsLimitStartsAtOnce() {
        Dispatcher dispatcher = dispatcher(50, 2, 4);
        List<String> busy = queue("busy", 200, 1_000);
        List<String> late = queue("late", 3, 500);
        List<String> later = queue("later", 1, 100);

        assertThat(ids(dispatcher.claimOnce())).as("the head: busy's two slots, then the oldest behind its backlog")
                .containsExactly(busy.get(0), busy.get(1), late.get(0), late.get(1));
        assertThat(ids(dispatcher.claimOnce())).as("late is full too").containsExactly(later.get(0));
        assertThat(dispatcher.claimOnce()).as("busy and late are full, nothing else is due").isEmpty();

        succeed(late.get(0));
        assertThat(ids(dispatcher.claimOnce())).containsExactly(late.get(2));
        succeed(busy.get(0));
        assertThat(ids(dispatcher.claimOnce())).containsExactly(busy.get(2));
        for (String s : List.of(busy.get(1), busy.get(2), late.get(1), late.get(2), later.get(0))) succeed(s);
        assertThat(channel.maxOpen("busy")).isEqualTo(2);
        assertThat(x.row(busy.get(3)).status()).isEqualTo("pending");
    }

    /** On PostgreSQL the per-target limit is counted in the database at each claim, so it holds across dispatchers (nodes). */
    @Test
    void onPostgresqlThePerTargetLimitHoldsAcrossDispatchers() {
        assumeTrue(x.db.dialect() == Dialect.POSTGRESQL, "SQLite has one worker per database; its counts are its own");
        Dispatcher a = dispatcher(10, 2, 10);
        FakeChannel otherChannel = x.channel();
        Dispatcher b = x.dispatcher(otherChannel, new RetryPolicy(Duration.ofMinutes(10), DispatcherHarness.fixed(0.5)),
                DispatcherHarness.settings(10, 2, 10, Duration.ofMinutes(5), Duration.ofMinutes(10)));
        List<String> slow = queue("slow", 3, 10);

        assertThat(ids(a.claimOnce())).containsExactly(slow.get(0), slow.get(1));
        x.assertClaimTakesOnlyAFreshMarker(b, otherChannel);
        assertThat(x.row(slow.get(2)).status()).isEqualTo("pending");

        succeed(slow.get(0));
        assertThat(ids(b.claimOnce())).containsExactly(slow.get(2));
        otherChannel.open(slow.get(2)).finish(ok());
        assertThat(x.awaitAttempts(slow.get(2), 1).status()).isEqualTo("succeeded");
        succeed(slow.get(1));
    }
}
