package dev.herald.delivery;

import dev.herald.store.Database;
import dev.herald.util.Ids;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Prunes history: finished deliveries (and their attempts) older than the retention, messages no
 * delivery refers to any more, and expired idempotency keys; with them, the rows features keep beside
 * their deliveries and messages ({@link Attached}: an email's recipients, the email itself). Deletes in
 * small batches so the writer is never held for long.
 */
public final class Retention implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Retention.class);
    private static final int BATCH = 500;

    /**
     * A feature's table whose rows belong to a delivery or a message and go with it: a {@code DELIVERY}
     * table has a {@code column} holding the delivery id; a {@code MESSAGE} table's {@code id} is the
     * message id (UUIDv7) and it has {@code created_at}.
     */
    public record Attached(String table, String column, Owner owner) {
        public enum Owner { DELIVERY, MESSAGE }
    }

    private final List<Attached> attached;
    private final Database db;
    private final Clock clock;
    private final Duration retention;
    private final Duration idempotencyTtl;
    private ScheduledFuture<?> task;

    public Retention(Database db, Clock clock, Duration retention, Duration idempotencyTtl, List<Attached> attached) {
        this.attached = List.copyOf(attached);
        this.db = db;
        this.clock = clock;
        this.retention = retention;
        this.idempotencyTtl = idempotencyTtl;
    }

    /** Runs a pass a minute after start, then ten minutes after each pass, on {@code timers}. */
    public void start(ScheduledExecutorService timers) {
        task = timers.scheduleWithFixedDelay(this::runOnce, 1, 10, TimeUnit.MINUTES);
    }

    /** One pass; returns the number of deliveries removed. */
    public int runOnce() {
        try {
            long now = clock.millis();
            db.writer().execute(h -> h.createUpdate("DELETE FROM idempotency_keys WHERE created_at < :c").bind("c", now - idempotencyTtl.toMillis()).execute());
            if (retention.isZero()) return 0;
            long cutoff = now - retention.toMillis();
            int total = 0;
            String floor = Ids.uuid7Floor(cutoff);
            String skipLocked = db.dialect().skipLocked();
            while (true) {
                int n = db.writer().execute(h -> {
                    // Walks the primary key (UUIDv7, creation order) up to the cutoff; a delivery finishes after it is created.
                    // On PostgreSQL, rows another node's pass has taken are skipped, so nodes prune side by side.
                    var ids = h.createQuery("SELECT id FROM deliveries WHERE id < :floor AND completed_at IS NOT NULL AND completed_at < :c LIMIT :n"
                                    + skipLocked)
                            .bind("floor", floor).bind("c", cutoff).bind("n", BATCH).mapTo(String.class).list();
                    if (ids.isEmpty()) return 0;
                    h.createUpdate("DELETE FROM attempts WHERE delivery_id IN (<ids>)").bindList("ids", ids).execute();
                    for (Attached a : attached) {
                        if (a.owner() == Attached.Owner.DELIVERY) {
                            h.createUpdate("DELETE FROM " + a.table() + " WHERE " + a.column() + " IN (<ids>)").bindList("ids", ids).execute();
                        }
                    }
                    return h.createUpdate("DELETE FROM deliveries WHERE id IN (<ids>)").bindList("ids", ids).execute();
                });
                total += n;
                if (n < BATCH) break;
            }
            // Messages (and what features keep of them) once no delivery refers to them; message ids are UUIDv7 too.
            deleteUnreferenced("messages", "NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.message_id = messages.id)", floor, cutoff);
            for (Attached a : attached) {
                if (a.owner() == Attached.Owner.MESSAGE) {
                    deleteUnreferenced(a.table(), "NOT EXISTS (SELECT 1 FROM messages m WHERE m.id = " + a.table() + "." + a.column() + ")", floor, cutoff);
                }
            }
            if (total > 0) log.info("retention removed {} finished deliveries older than {}", total, retention);
            return total;
        } catch (RuntimeException e) {
            log.warn("retention pass failed: {}", e.getMessage());
            return 0;
        }
    }

    private void deleteUnreferenced(String table, String unreferenced, String floor, long cutoff) {
        String skipLocked = db.dialect().skipLocked();
        while (true) {
            int n = db.writer().execute(h -> {
                var ids = h.createQuery("SELECT id FROM " + table + " WHERE id < :floor AND created_at < :c AND " + unreferenced + " LIMIT :n" + skipLocked)
                        .bind("floor", floor).bind("c", cutoff).bind("n", BATCH).mapTo(String.class).list();
                if (ids.isEmpty()) return 0;
                return h.createUpdate("DELETE FROM " + table + " WHERE id IN (<ids>)").bindList("ids", ids).execute();
            });
            if (n < BATCH) return;
        }
    }

    @Override
    public void close() {
        if (task != null) task.cancel(false);
    }
}
