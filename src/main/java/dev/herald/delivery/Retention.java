package dev.herald.delivery;

import dev.herald.Ids;
import dev.herald.store.Database;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Prunes history: finished deliveries (and their attempts and email recipients) older than the
 * retention, messages (and emails) no delivery refers to any more, and expired idempotency keys.
 * Deletes in small batches so the writer is never held for long.
 */
public final class Retention implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Retention.class);
    private static final int BATCH = 500;

    private final Database db;
    private final Clock clock;
    private final Duration retention;
    private final Duration idempotencyTtl;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
            r -> Thread.ofPlatform().name("herald-retention").daemon(true).unstarted(r));

    public Retention(Database db, Clock clock, Duration retention, Duration idempotencyTtl) {
        this.db = db;
        this.clock = clock;
        this.retention = retention;
        this.idempotencyTtl = idempotencyTtl;
    }

    public void start() {
        timer.scheduleWithFixedDelay(this::runOnce, 1, 10, TimeUnit.MINUTES);
    }

    /** One pass; returns the number of deliveries removed. */
    public int runOnce() {
        try {
            long now = clock.millis();
            db.writer().execute(h -> h.createUpdate("DELETE FROM idempotency_keys WHERE created_at < :c").bind("c", now - idempotencyTtl.toMillis()).execute());
            if (retention.isZero()) return 0;
            long cutoff = now - retention.toMillis();
            int total = 0;
            while (true) {
                int n = db.writer().execute(h -> {
                    // Walks the primary key (UUIDv7, creation order) up to the cutoff; a delivery finishes after it is created.
                    var ids = h.createQuery("SELECT id FROM deliveries WHERE id < :floor AND completed_at IS NOT NULL AND completed_at < :c LIMIT :n")
                            .bind("floor", Ids.uuid7Floor(cutoff)).bind("c", cutoff).bind("n", BATCH).mapTo(String.class).list();
                    if (ids.isEmpty()) return 0;
                    h.createUpdate("DELETE FROM attempts WHERE delivery_id IN (<ids>)").bindList("ids", ids).execute();
                    h.createUpdate("DELETE FROM email_recipients WHERE delivery_id IN (<ids>)").bindList("ids", ids).execute();
                    return h.createUpdate("DELETE FROM deliveries WHERE id IN (<ids>)").bindList("ids", ids).execute();
                });
                total += n;
                if (n < BATCH) break;
            }
            db.writer().execute(h -> h.createUpdate("DELETE FROM messages WHERE created_at < :c AND NOT EXISTS "
                    + "(SELECT 1 FROM deliveries d WHERE d.message_id = messages.id)").bind("c", cutoff).execute());
            db.writer().execute(h -> h.createUpdate("DELETE FROM emails WHERE created_at < :c AND NOT EXISTS "
                    + "(SELECT 1 FROM messages m WHERE m.id = emails.id)").bind("c", cutoff).execute());
            if (total > 0) log.info("retention removed {} finished deliveries older than {}", total, retention);
            return total;
        } catch (RuntimeException e) {
            log.warn("retention pass failed: {}", e.getMessage());
            return 0;
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
