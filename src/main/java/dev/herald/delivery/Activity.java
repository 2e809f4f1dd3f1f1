package dev.herald.delivery;

import dev.herald.store.Database;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * What a project's deliveries have been doing lately, for the console's overview and webhook health:
 * attempts per minute by outcome, the project's queue, and each target's recent record. Every query
 * is bounded by an index: attempts are read newest first by their primary key (ids grow as attempts
 * are recorded) and the scan stops once it is past the window; a target's record is its newest
 * deliveries along {@code deliveries_target}.
 */
public final class Activity {
    /** How far an attempt's start may lie before its recording (the longest attempt, and batching), so the scan does not stop early. */
    static final long RECORDING_SLACK_MILLIS = Duration.ofMinutes(10).toMillis();
    /** The most attempts one overview reads; a busier hour is shown as far as this reaches. */
    static final int MAX_ATTEMPTS_READ = 200_000;
    /** A target's record covers its newest this many deliveries. */
    public static final int RECENT_DELIVERIES = 100;

    private final Database db;
    private final Clock clock;

    public Activity(Database db, Clock clock) {
        this.db = db;
        this.clock = clock;
    }

    /** Attempts that started in one minute: succeeded, failed and to be retried, failed and dead-lettered. */
    public record Minute(long start, int succeeded, int failed, int dead) {
        public int total() {
            return succeeded + failed + dead;
        }
    }

    /** Attempts per minute over the last {@code minutes} minutes, oldest first; {@code complete} is false when the read was capped. */
    public record PerMinute(List<Minute> minutes, boolean complete) {}

    public PerMinute perMinute(String projectId, int minutes) {
        long now = clock.millis();
        long end = (now / 60_000 + 1) * 60_000;
        long start = end - minutes * 60_000L;
        int[][] counts = new int[minutes][3];
        boolean[] capped = new boolean[1];
        db.read(h -> {
            Long before = null;
            int read = 0;
            while (true) {
                String sql = "SELECT a.id, a.started_at, a.error_kind, a.attempt_no, d.project_id, d.status, d.attempts FROM attempts a "
                        + "JOIN deliveries d ON d.id = a.delivery_id" + (before == null ? "" : " WHERE a.id < :before") + " ORDER BY a.id DESC LIMIT 1000";
                var q = h.createQuery(sql);
                if (before != null) q.bind("before", before);
                List<Object[]> rows = q.map((rs, ctx) -> new Object[] {rs.getLong("id"), rs.getLong("started_at"), rs.getString("error_kind"),
                        rs.getInt("attempt_no"), rs.getString("project_id"), rs.getString("status"), rs.getInt("attempts")}).list();
                if (rows.isEmpty()) return null;
                boolean past = false;
                for (Object[] r : rows) {
                    long started = (Long) r[1];
                    if (started < start - RECORDING_SLACK_MILLIS) past = true;
                    if (!projectId.equals(r[4]) || started < start || started >= end) continue;
                    int slot = (int) ((started - start) / 60_000);
                    int kind = r[2] == null ? 0 : ("dead".equals(r[5]) && ((Integer) r[3]).intValue() == ((Integer) r[6]).intValue() ? 2 : 1);
                    counts[slot][kind]++;
                }
                read += rows.size();
                if (past) return null;
                if (read >= MAX_ATTEMPTS_READ) {
                    capped[0] = true;
                    return null;
                }
                before = (Long) rows.get(rows.size() - 1)[0];
            }
        });
        List<Minute> out = new ArrayList<>(minutes);
        for (int i = 0; i < minutes; i++) out.add(new Minute(start + i * 60_000L, counts[i][0], counts[i][1], counts[i][2]));
        return new PerMinute(List.copyOf(out), !capped[0]);
    }

    /** The project's deliveries waiting or in flight, and how long the oldest due one has waited. */
    public QueueStats queue(String projectId) {
        long now = clock.millis();
        return db.read(h -> QueueStats.read(h, now, projectId));
    }

    /**
     * A target's recent record: of its newest {@value #RECENT_DELIVERIES} deliveries, how many finished
     * and how many of those succeeded; and the last answer it gave (the newest attempted delivery's
     * status code or error), null when nothing was attempted yet.
     */
    public record Health(int finished, int succeeded, Integer lastStatusCode, String lastError, Long lastAttemptAt) {
        /** Succeeded / finished, or null when nothing finished. */
        public Double successRate() {
            return finished == 0 ? null : (double) succeeded / finished;
        }
    }

    public Health health(String projectId, String targetId) {
        return db.read(h -> {
            List<Object[]> rows = h.createQuery("SELECT status, attempts, last_status_code, last_error, updated_at FROM deliveries "
                            + "WHERE target_id = :t AND project_id = :p ORDER BY id DESC LIMIT " + RECENT_DELIVERIES)
                    .bind("t", targetId).bind("p", projectId)
                    .map((rs, ctx) -> {
                        int code = rs.getInt("last_status_code");
                        Integer c = rs.wasNull() ? null : code;
                        return new Object[] {rs.getString("status"), rs.getInt("attempts"), c, rs.getString("last_error"), rs.getLong("updated_at")};
                    }).list();
            int finished = 0;
            int succeeded = 0;
            Object[] last = null;
            for (Object[] r : rows) {
                if ("succeeded".equals(r[0]) || "dead".equals(r[0])) finished++;
                if ("succeeded".equals(r[0])) succeeded++;
                if ((Integer) r[1] > 0 && (last == null || (Long) r[4] > (Long) last[4])) last = r;
            }
            return new Health(finished, succeeded, last == null ? null : (Integer) last[2], last == null ? null : (String) last[3],
                    last == null ? null : (Long) last[4]);
        });
    }
}
