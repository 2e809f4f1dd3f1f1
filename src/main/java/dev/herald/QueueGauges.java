package dev.herald;

import dev.herald.delivery.QueueStats;
import dev.herald.metrics.Metrics;
import dev.herald.store.Database;
import java.time.Clock;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An API node has no dispatcher to keep the queue gauges on /metrics current, so it reads them itself
 * (every {@code periodMillis}, as often as a worker would).
 */
final class QueueGauges implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(QueueGauges.class);

    private final Database db;
    private final Metrics metrics;
    private final Clock clock;
    private final long periodMillis;
    private ScheduledFuture<?> task;

    QueueGauges(Database db, Metrics metrics, Clock clock, long periodMillis) {
        this.db = db;
        this.metrics = metrics;
        this.clock = clock;
        this.periodMillis = periodMillis;
    }

    void start(ScheduledExecutorService timers) {
        task = timers.scheduleWithFixedDelay(this::refresh, 0, periodMillis, TimeUnit.MILLISECONDS);
    }

    private void refresh() {
        try {
            long now = clock.millis();
            QueueStats q = db.read(h -> QueueStats.read(h, now));
            metrics.queue(q.depth(), q.oldestDueAgeMillis());
        } catch (RuntimeException e) {
            log.debug("could not read the queue gauges: {}", e.getMessage());
        }
    }

    @Override
    public void close() {
        if (task != null) task.cancel(false);
    }
}
