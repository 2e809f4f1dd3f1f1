package dev.herald.delivery;

import static dev.herald.delivery.DispatcherHarness.CHANNEL;
import static dev.herald.delivery.DispatcherHarness.PROJECT;
import static dev.herald.delivery.DispatcherHarness.await;
import static dev.herald.delivery.DispatcherHarness.ok;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.herald.metrics.Metrics;
import dev.herald.store.Dialect;
import dev.herald.support.TestDatabases;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Deliveries accepted while the queue is clear and their target has a free slot are stored leased to this
 * node's dispatcher and handed to it after the commit, with no claim (SQLite, where it is the only worker).
 * On PostgreSQL every delivery is claimed, so the per-target limit holds across nodes. Nothing handed over
 * may overtake work already waiting, exceed a limit, or hold a slot when its write does not commit.
 */
class HandOffTest {
    private DispatcherHarness harness;
    private FakeChannel channel;
    private Metrics metrics;
    private Dispatcher dispatcher;
    private Ingress ingress;
    private ScheduledExecutorService timers;
    private boolean sqlite;

    @BeforeEach
    void setUp() {
        harness = new DispatcherHarness();
        channel = harness.channel();
        sqlite = harness.db.dialect() == Dialect.SQLITE;
        timers = Executors.newSingleThreadScheduledExecutor();
    }

    /** Starts a dispatcher (its poll an hour: it looks at the queue once at the start, then only when woken) wired as Herald wires it. */
    private void start(int perTarget) {
        start(perTarget, DispatcherHarness.policy(Duration.ofMinutes(5)));
    }

    private void start(int perTarget, RetryPolicy retry) {
        metrics = new Metrics();
        dispatcher = new Dispatcher(harness.db, List.of(channel), retry,
                new Dispatcher.Settings(50, perTarget, Duration.ofSeconds(30), Duration.ofHours(1), 50, Duration.ofSeconds(60)),
                harness.clock, metrics);
        ingress = new Ingress(harness.db, harness.clock, Duration.ofHours(1), dispatcher::wake);
        if (sqlite) ingress.handOffTo(dispatcher);
        dispatcher.start(timers);
    }

    @AfterEach
    void tearDown() {
        if (dispatcher != null) dispatcher.close();
        timers.shutdownNow();
        harness.close();
    }

    private String publish(String target) {
        Message m = new Message(UUID.randomUUID().toString(), PROJECT, "event", "test.event",
                ("{\"to\":\"" + target + "\"}").getBytes(StandardCharsets.UTF_8), harness.now());
        return ingress.write(q -> q.enqueue(m, CHANNEL, List.of(target))).get(0);
    }

    private double started(String path) {
        return metrics.registry().get("herald.attempts.started").tag("path", path).counter().count();
    }

    @Test
    void aDeliveryAcceptedWhileTheQueueIsClearIsHandedOverWithoutAClaim() {
        start(4);
        channel.answer("t", ok());
        String first = publish("t");
        harness.awaitAttempts(first, 1);
        awaitQueueClear();
        double handedBefore = started("handed_over");
        double claimedBefore = started("claimed");

        String second = publish("t");
        DispatcherHarness.Row row = harness.awaitAttempts(second, 1);

        assertThat(row.status()).isEqualTo("succeeded");
        assertThat(channel.attemptsOf(second)).hasSize(1);
        assertThat(started("handed_over") - handedBefore).isEqualTo(sqlite ? 1 : 0);
        assertThat(started("claimed") - claimedBefore).isEqualTo(sqlite ? 0 : 1);
    }

    @Test
    void aHandedOverDeliveryIsStoredLeasedToTheWorkerBeforeItsAttempt() {
        start(4);
        String first = publish("held");
        FakeChannel.Attempt attempt = awaitOpen(first);
        attempt.finish(ok());
        harness.awaitAttempts(first, 1);

        String second = publish("held");
        FakeChannel.Attempt open = awaitOpen(second);
        DispatcherHarness.Row row = harness.row(second);
        assertThat(row.status()).isEqualTo("in_flight");
        assertThat(row.leaseOwner()).isEqualTo(dispatcher.workerId());
        assertThat(row.leaseUntil()).isEqualTo(open.claim().leaseUntil());
        open.finish(ok());
        assertThat(harness.awaitAttempts(second, 1).status()).isEqualTo("succeeded");
    }

    @Test
    void workWaitingInTheQueueGoesBeforeNewWorkAndNoTargetExceedsItsLimit() {
        start(1);
        String a = publish("t");
        FakeChannel.Attempt first = awaitOpen(a);
        // The target's one slot is taken: b waits in the queue, and c, accepted later, must not overtake it.
        String b = publish("t");
        harness.clock.advance(Duration.ofMillis(1));
        String c = publish("t");
        assertThat(harness.row(b).status()).isEqualTo("pending");
        assertThat(harness.row(c).status()).isEqualTo("pending");

        first.finish(ok());
        FakeChannel.Attempt second = awaitOpen(b);
        assertThat(channel.attemptsOf(c)).isEmpty();
        second.finish(ok());
        awaitOpen(c).finish(ok());
        harness.awaitAttempts(c, 1);
        assertThat(channel.maxOpen("t")).isEqualTo(1);
    }

    /**
     * PostgreSQL: a claim that found the target full while its one attempt ended must not leave the queue
     * clear, or the waiting delivery would sit until the poll (an hour here). The claim is held at the claim
     * lock (another session holds it) and the attempt's outcome at its row (another session locks it), so
     * the claim counts the attempt in flight although this node's slot came free while it waited.
     */
    @Test
    void aSlotFreedWhileAClaimFoundTheTargetFullIsClaimedWithoutWaitingForThePoll() throws Exception {
        assumeTrue(TestDatabases.postgres(), "the claim lock and the shared count are PostgreSQL's");
        start(1);
        String a = publish("t");
        FakeChannel.Attempt first = awaitOpen(a);
        String b = publish("t");
        String schema = TestDatabases.urlFor(harness.dir).replaceAll(".*currentSchema=([A-Za-z0-9_]+).*", "$1");
        try (Connection claimLock = TestDatabases.server().connect(); Connection rowLock = TestDatabases.server().connect()) {
            claimLock.setAutoCommit(false);
            rowLock.setAutoCommit(false);
            try (Statement st = claimLock.createStatement()) {
                st.execute("SELECT pg_advisory_xact_lock(114776665878884)");
            }
            try (Statement st = rowLock.createStatement()) {
                st.execute("SELECT 1 FROM " + schema + ".deliveries WHERE id = '" + a + "' FOR UPDATE");
            }
            // A claim starts (c is new work) and waits for the lock, the target full.
            String c = publish("t");
            await("a claim waiting for the claim lock", () -> waitingForTheClaimLock() == 1);
            // a's attempt ends: its slot is free here, its outcome waits for the row.
            first.finish(ok());
            claimLock.commit();
            await("the claim done", () -> waitingForTheClaimLock() == 0 && heldClaimLocks() == 0);
            rowLock.commit();
            assertThat(harness.awaitAttempts(a, 1).status()).isEqualTo("succeeded");
            // The next delivery is claimed on the signal of a's outcome, not at the next poll.
            awaitOpen(b).finish(ok());
            awaitOpen(c).finish(ok());
            harness.awaitAttempts(c, 1);
        }
        assertThat(channel.maxOpen("t")).isEqualTo(1);
    }

    private long waitingForTheClaimLock() {
        return harness.count("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted");
    }

    private long heldClaimLocks() {
        return harness.count("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted");
    }

    @Test
    void aWriteThatDoesNotCommitGivesItsSlotBack() {
        start(1);
        String warm = publish("t");
        awaitOpen(warm).finish(ok());
        harness.awaitAttempts(warm, 1);
        awaitQueueClear();

        Message m = new Message(UUID.randomUUID().toString(), PROJECT, "event", "test.event", "{}".getBytes(StandardCharsets.UTF_8), harness.now());
        assertThatThrownBy(() -> ingress.write(q -> {
            q.enqueue(m, CHANNEL, List.of("t"));
            throw new IllegalStateException("the feature's own row failed");
        })).hasMessageContaining("own row failed");
        assertThat(dispatcher.inFlight()).isZero();
        assertThat(harness.count("SELECT count(*) FROM deliveries WHERE message_id = '" + m.id() + "'")).isZero();

        // The slot is free again: the next delivery of the one-slot target is attempted.
        String next = publish("t");
        awaitOpen(next).finish(ok());
        assertThat(harness.awaitAttempts(next, 1).status()).isEqualTo("succeeded");
    }

    @Test
    void aRetryDueAtOnceIsClaimedWithoutWaitingForThePoll() {
        start(4, DispatcherHarness.policy(Duration.ofMinutes(5), 0.5));
        channel.schedule("r", Duration.ZERO);
        String d = publish("r");
        awaitOpen(d).finish(DispatcherHarness.failed(500, "try again"));
        // The next poll is an hour away: only the recorded retry can bring the second attempt.
        await("a second attempt of " + d, () -> channel.attemptsOf(d).size() == 2);
        channel.attemptsOf(d).get(1).finish(ok());
        assertThat(harness.awaitAttempts(d, 2).status()).isEqualTo("succeeded");
    }

    /**
     * Until the dispatcher's last look found nothing waiting, so on SQLite the next delivery is handed over.
     * The first delivery may have been queued (accepted before the start's look) and claimed: the wake after
     * its commit clears the flag even when that claim ran first, and only the look after the wake sets it again.
     * On PostgreSQL the flag only spares the loop claims that could find nothing (no target is at its limit).
     */
    private void awaitQueueClear() {
        await("the dispatcher to find the queue clear", dispatcher::queueClear);
    }

    private FakeChannel.Attempt awaitOpen(String deliveryId) {
        await("an attempt of " + deliveryId, () -> !channel.attemptsOf(deliveryId).isEmpty());
        return channel.attemptsOf(deliveryId).get(0);
    }
}
