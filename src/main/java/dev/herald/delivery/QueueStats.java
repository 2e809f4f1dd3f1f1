package dev.herald.delivery;

import org.jdbi.v3.core.Handle;

/** Queue depth (pending + in flight) and how long the oldest due delivery has waited. */
public record QueueStats(long depth, long oldestDueAgeMillis) {
    public static QueueStats read(Handle h, long now) {
        return read(h, now, null);
    }

    /** {@link #read} for one project's deliveries ({@code projectId}), or every project's (null). */
    public static QueueStats read(Handle h, long now, String projectId) {
        String project = projectId == null ? "" : " AND project_id = :p";
        var q = h.createQuery("SELECT (SELECT COUNT(*) FROM deliveries WHERE status = 'pending'" + project + ") "
                        + "+ (SELECT COUNT(*) FROM deliveries WHERE status = 'in_flight'" + project + ") AS depth, "
                        + "(SELECT MIN(next_attempt_at) FROM deliveries WHERE status = 'pending'" + project + " AND next_attempt_at <= :now) AS oldest")
                .bind("now", now);
        if (projectId != null) q.bind("p", projectId);
        return q.map((rs, ctx) -> {
            long oldest = rs.getLong("oldest");
            boolean none = rs.wasNull();
            return new QueueStats(rs.getLong("depth"), none ? 0 : Math.max(0, now - oldest));
        }).one();
    }
}
