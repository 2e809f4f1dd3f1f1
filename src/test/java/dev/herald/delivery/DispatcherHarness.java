package dev.herald.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.metrics.Metrics;
import dev.herald.store.Database;
import dev.herald.support.TestHerald;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.random.RandomGenerator;

/**
 * A database of the engine the suite runs on (SQLite in a temp dir, or a PostgreSQL schema of its own),
 * a {@link FakeClock}, and dispatchers that are never started: the test claims ({@code claimOnce}) and
 * housekeeps ({@code housekeep}) itself, so nothing happens unless the test makes it happen.
 *
 * <p>On close it checks that every attempt a channel finished was recorded as an attempt row.
 */
final class DispatcherHarness implements AutoCloseable {
    static final Instant T0 = Instant.parse("2030-01-01T00:00:00Z");
    static final String CHANNEL = "fake";
    static final String PROJECT = "p";
    static final Duration WAIT = Duration.ofSeconds(20);

    final Path dir;
    final Database db;
    final FakeClock clock = new FakeClock(T0);
    private final List<FakeChannel> channels = new ArrayList<>();
    private int markers;
    private int withoutChannel;

    DispatcherHarness() {
        try {
            dir = Files.createTempDirectory("herald-dispatcher");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        db = Database.open(TestHerald.config(dir, Map.of()));
        db.writer().execute(h -> h.execute("INSERT INTO projects (id, name, created_at) VALUES (?, 'dispatcher', 0)", PROJECT));
    }

    long t0() {
        return T0.toEpochMilli();
    }

    long now() {
        return clock.millis();
    }

    /** Counts attempts the dispatcher makes and records without any channel (a delivery for a channel it lacks). */
    void expectAttemptsWithoutAChannel(int n) {
        withoutChannel += n;
    }

    FakeChannel channel() {
        FakeChannel c = new FakeChannel(CHANNEL, clock);
        channels.add(c);
        return c;
    }

    /** Limits for tests that are not about limits: room for everything, a 30 s lease, workers dead after 60 s. */
    static Dispatcher.Settings roomy() {
        return settings(50, 50, 50, Duration.ofSeconds(30), Duration.ofSeconds(60));
    }

    static Dispatcher.Settings settings(int global, int perTarget, int batch, Duration lease, Duration deadAfter) {
        // The poll interval is never used: these dispatchers are not started.
        return new Dispatcher.Settings(global, perTarget, lease, Duration.ofHours(1), batch, deadAfter);
    }

    Dispatcher dispatcher(FakeChannel channel, RetryPolicy retry, Dispatcher.Settings settings) {
        return new Dispatcher(db, List.of(channel), retry, settings, clock, new Metrics());
    }

    Dispatcher dispatcher(FakeChannel channel, RetryPolicy retry) {
        return dispatcher(channel, retry, roomy());
    }

    static RetryPolicy policy(Duration retryAfterMax, double... draws) {
        return new RetryPolicy(retryAfterMax, scripted(draws));
    }

    /** A generator whose nextDouble() returns {@code draws} in order, and fails when asked for more. */
    static RandomGenerator scripted(double... draws) {
        return new RandomGenerator() {
            int next;

            @Override
            public long nextLong() {
                throw new UnsupportedOperationException("only nextDouble() is expected");
            }

            @Override
            public synchronized double nextDouble() {
                if (next >= draws.length) throw new IllegalStateException("more than the " + draws.length + " scripted draws");
                return draws[next++];
            }
        };
    }

    /** A generator whose nextDouble() always returns {@code value}. */
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

    // ---- outcomes

    static AttemptOutcome ok() {
        return new AttemptOutcome(true, 200, null, null, "thanks", false, 12, null, false, null);
    }

    static AttemptOutcome failed(int status, String message) {
        return new AttemptOutcome(false, status, "http", message, "try later", false, 34, null, false, null);
    }

    static AttemptOutcome retryAfter(int status, String message, Duration after) {
        return new AttemptOutcome(false, status, "http", message, null, false, 5, after, false, null);
    }

    static AttemptOutcome permanent(int status, String message) {
        return new AttemptOutcome(false, status, "http", message, null, false, 7, null, true, null);
    }

    // ---- work

    /** A new message and one pending delivery of it to {@code target}, due now. */
    String deliver(String target) {
        return deliverDueAt(target, now());
    }

    /** As {@link #deliver}, due (and created) at {@code at}: distinct times fix the order claims take them in. */
    String deliverDueAt(String target, long at) {
        return deliverVia(CHANNEL, target, at);
    }

    /** A pending delivery through the channel named {@code channel}, due at {@code at}. */
    String deliverVia(String channel, String target, long at) {
        return db.writer().execute(h -> {
            Message m = new Message(UUID.randomUUID().toString(), PROJECT, "event", "test.event",
                    ("{\"to\":\"" + target + "\"}").getBytes(StandardCharsets.UTF_8), at);
            DeliveryRepository.insertMessage(h, m);
            return DeliveryRepository.insertDeliveries(h, m, channel, List.of(target), at, null, null).get(0);
        });
    }

    /**
     * Proves a claim made now takes nothing else that is queued: a marker delivery, due now, is claimed by
     * {@code d} (so the claim ran and found due work) and it is the only thing claimed. The marker succeeds.
     */
    void assertClaimTakesOnlyAFreshMarker(Dispatcher d, FakeChannel channel) {
        String target = "marker-" + (++markers);
        channel.answer(target, ok());
        String marker = deliver(target);
        assertThat(ids(d.claimOnce())).as("claimed at %s", Instant.ofEpochMilli(now())).containsExactly(marker);
        awaitRow(marker, r -> r.status().equals("succeeded"), "marker succeeded");
    }

    static List<String> ids(List<Claim> claims) {
        return claims.stream().map(Claim::id).toList();
    }

    // ---- rows

    /** A delivery row. Nullable columns are boxed. */
    record Row(String status, int attempts, int schedulePos, Long nextAttemptAt, String leaseOwner, Long leaseUntil,
               Integer lastStatusCode, String lastError, String deadReason, long updatedAt, Long completedAt) {}

    /** An attempt row. */
    record AttemptRow(int attemptNo, long startedAt, long durationMs, Integer statusCode, String errorKind, String errorMessage,
                      String responseBody) {}

    Row row(String id) {
        return db.read(h -> h.createQuery("SELECT status, attempts, schedule_pos, next_attempt_at, lease_owner, lease_until, "
                        + "last_status_code, last_error, dead_reason, updated_at, completed_at FROM deliveries WHERE id = :id")
                .bind("id", id)
                .map((rs, ctx) -> new Row(rs.getString(1), rs.getInt(2), rs.getInt(3), longOrNull(rs, 4), rs.getString(5), longOrNull(rs, 6),
                        intOrNull(rs, 7), rs.getString(8), rs.getString(9), rs.getLong(10), longOrNull(rs, 11)))
                .one());
    }

    List<AttemptRow> attemptRows(String deliveryId) {
        return db.read(h -> h.createQuery("SELECT attempt_no, started_at, duration_ms, status_code, error_kind, error_message, response_body "
                        + "FROM attempts WHERE delivery_id = :id ORDER BY attempt_no, started_at, id")
                .bind("id", deliveryId)
                .map((rs, ctx) -> new AttemptRow(rs.getInt(1), rs.getLong(2), rs.getLong(3), intOrNull(rs, 4), rs.getString(5), rs.getString(6),
                        rs.getString(7)))
                .list());
    }

    long count(String sql) {
        return db.read(h -> h.createQuery(sql).mapTo(Long.class).one());
    }

    boolean workerRegistered(String workerId) {
        return db.read(h -> h.createQuery("SELECT count(*) FROM workers WHERE id = :id").bind("id", workerId).mapTo(Long.class).one()) == 1;
    }

    private static Long longOrNull(ResultSet rs, int i) throws SQLException {
        long v = rs.getLong(i);
        return rs.wasNull() ? null : v;
    }

    private static Integer intOrNull(ResultSet rs, int i) throws SQLException {
        int v = rs.getInt(i);
        return rs.wasNull() ? null : v;
    }

    // ---- waiting for positive signals (recording is asynchronous: the writer commits it)

    Row awaitRow(String id, Predicate<Row> condition, String what) {
        Row[] last = new Row[1];
        await(what + " (last seen: " + id + ")", () -> condition.test(last[0] = row(id)));
        return last[0];
    }

    /** Waits for {@code id}'s n-th attempt to be recorded, and returns the row as it then stands. */
    Row awaitAttempts(String id, int n) {
        return awaitRow(id, r -> r.attempts() == n && !r.status().equals("in_flight"), id + " has " + n + " recorded attempts");
    }

    /**
     * Waits until {@code channel} has been handed (after their commit) {@code n} results for delivery
     * {@code id}, and returns them in the order they were published.
     */
    static List<Channel.Result> awaitResults(FakeChannel channel, String id, int n) {
        await(n + " results of " + id + " published", () -> resultsOf(channel, id).size() >= n);
        return resultsOf(channel, id);
    }

    static List<Channel.Result> resultsOf(FakeChannel channel, String id) {
        return channel.results().stream().filter(r -> r.claim().id().equals(id)).toList();
    }

    static void await(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("timed out waiting for: " + what);
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted waiting for: " + what, e);
            }
        }
    }

    // ---- the end

    /** Every attempt a channel finished has its attempt row (attempts still open have none yet); then closes the database. */
    @Override
    public void close() {
        try {
            long finished = channels.stream().mapToLong(FakeChannel::finishedAttempts).sum() + withoutChannel;
            await("every finished attempt recorded (" + finished + ")", () -> count("SELECT count(*) FROM attempts") >= finished);
            assertThat(count("SELECT count(*) FROM attempts")).as("attempt rows").isEqualTo(finished);
        } finally {
            db.close();
            TestHerald.deleteTree(dir);
        }
    }
}
