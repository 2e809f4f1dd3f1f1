package dev.herald.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.store.Database;
import dev.herald.support.Api;
import dev.herald.support.Await;
import dev.herald.support.Receiver.Reply;
import dev.herald.support.Receiver;
import dev.herald.support.TestHerald;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * HERALD_RETENTION prunes finished deliveries (with their attempts) and the messages no delivery refers
 * to any more, in batches, and leaves live work alone; two passes at once (two nodes) share the work.
 */
class RetentionTest {
    static final int FINISHED = 1_100; // more than two of Retention's batches of 500
    TestHerald herald;
    Receiver receiver;

    @BeforeEach
    void start() {
        herald = TestHerald.start();
        receiver = new Receiver();
    }

    @AfterEach
    void stop() {
        receiver.close();
        herald.close();
    }

    @Test
    void finishedHistoryOlderThanTheRetentionGoesAndLiveWorkStays() throws Exception {
        receiver.on("/ok", Reply.ok());
        receiver.on("/down", Reply.status(503));
        Api api = herald.newProject("retention");
        assertThat(api.post("/api/v1/webhooks", "{\"url\":\"" + receiver.url("/ok") + "\",\"events\":[\"done.*\"]}").status()).isEqualTo(201);
        assertThat(api.post("/api/v1/webhooks", "{\"url\":\"" + receiver.url("/down") + "\",\"events\":[\"stuck.*\"],"
                + "\"retry_schedule\":[\"1h\"]}").status()).isEqualTo(201);
        for (int i = 0; i < FINISHED; i++) assertThat(api.post("/api/v1/events", "{\"type\":\"done.x\",\"data\":{}}").status()).isEqualTo(202);
        assertThat(api.post("/api/v1/events", "{\"type\":\"stuck.x\",\"data\":{}}").status()).isEqualTo(202);
        receiver.await("/ok", FINISHED, Await.PATIENCE);
        receiver.await("/down", 1, Await.PATIENCE);
        Database db = herald.herald().database();
        // Every outcome recorded: the finished ones succeeded, the failing one back to pending after its one attempt.
        Await.until(FINISHED + " deliveries succeeded and 1 pending after its first attempt", () -> List.of(
                count(db, "SELECT count(*) FROM deliveries WHERE status = 'succeeded'"),
                count(db, "SELECT count(*) FROM deliveries WHERE status = 'pending' AND attempts = 1")), c -> c.equals(List.of(FINISHED, 1)));
        assertThat(count(db, "SELECT count(*) FROM deliveries WHERE status = 'pending'")).isEqualTo(1);

        // Nothing is old enough yet.
        assertThat(new Retention(db, Clock.systemUTC(), Duration.ofHours(1), Duration.ofHours(24), List.of()).runOnce()).isZero();

        // Two hours on, with a one-hour retention, two passes at once (as two nodes would run them).
        Clock later = Clock.fixed(Instant.now().plus(Duration.ofHours(2)), ZoneOffset.UTC);
        CompletableFuture<Integer> a = CompletableFuture.supplyAsync(() -> new Retention(db, later, Duration.ofHours(1), Duration.ofHours(24), List.of()).runOnce());
        CompletableFuture<Integer> b = CompletableFuture.supplyAsync(() -> new Retention(db, later, Duration.ofHours(1), Duration.ofHours(24), List.of()).runOnce());
        assertThat(a.get() + b.get()).isEqualTo(FINISHED);

        assertThat(count(db, "SELECT count(*) FROM deliveries")).isEqualTo(1);
        assertThat(count(db, "SELECT count(*) FROM deliveries WHERE status = 'pending'")).isEqualTo(1);
        assertThat(count(db, "SELECT count(*) FROM attempts")).as("only the live delivery's attempt is left").isEqualTo(1);
        assertThat(count(db, "SELECT count(*) FROM messages")).as("only the live delivery's message is left").isEqualTo(1);
        assertThat(count(db, "SELECT count(*) FROM messages m JOIN deliveries d ON d.message_id = m.id")).isEqualTo(1);
    }

    static int count(Database db, String sql) {
        return db.read(h -> h.createQuery(sql).mapTo(Integer.class).one());
    }
}
