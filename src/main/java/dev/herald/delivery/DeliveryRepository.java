package dev.herald.delivery;

import dev.herald.Ids;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jdbi.v3.core.Handle;

/**
 * SQL for messages, deliveries and attempts. Status values: {@code pending} (waiting, due at
 * {@code next_attempt_at}), {@code in_flight} (leased), {@code paused} (target disabled), then
 * {@code succeeded}, {@code dead} or {@code cancelled}.
 */
public final class DeliveryRepository {
    private DeliveryRepository() {}

    public static void insertMessage(Handle h, Message m) {
        h.createUpdate("INSERT INTO messages (id, project_id, kind, type, body, created_at) VALUES (:id, :p, :k, :t, :b, :c)")
                .bind("id", m.id()).bind("p", m.projectId()).bind("k", m.kind()).bind("t", m.type()).bind("b", m.body())
                .bind("c", m.createdAt()).execute();
    }

    /** Creates one pending delivery per target, due now. Returns their ids. */
    public static List<String> insertDeliveries(Handle h, Message m, String channel, List<String> targetIds, long now) {
        List<String> ids = new ArrayList<>(targetIds.size());
        if (targetIds.isEmpty()) return ids;
        var batch = h.prepareBatch("INSERT INTO deliveries (id, project_id, message_id, channel, target_id, status, attempts, schedule_pos, "
                + "next_attempt_at, created_at, updated_at) VALUES (:id, :p, :m, :ch, :t, 'pending', 0, 0, :now, :now, :now)");
        for (String t : targetIds) {
            String id = Ids.uuid7(now);
            ids.add(id);
            batch.bind("id", id).bind("p", m.projectId()).bind("m", m.id()).bind("ch", channel).bind("t", t).bind("now", now).add();
        }
        batch.execute();
        return ids;
    }

    /**
     * Leases up to {@code limit} due deliveries, at most {@code room.get(target)} (or {@code perTarget})
     * per target, skipping {@code excluded} targets. Runs in the writer's transaction, which on SQLite
     * holds the write lock, so two claims never overlap.
     */
    public static List<Claim> claim(Handle h, String owner, long now, long leaseUntil, int limit, int perTarget,
                                    Map<String, Integer> inFlight, Set<String> excluded) {
        String notIn = excluded.isEmpty() ? "" : " AND target_id NOT IN (<excluded>)";
        var q = h.createQuery("SELECT id, project_id, message_id, channel, target_id, attempts, schedule_pos FROM deliveries "
                        + "WHERE status = 'pending' AND next_attempt_at <= :now" + notIn + " ORDER BY next_attempt_at LIMIT :scan")
                .bind("now", now).bind("scan", Math.min(limit * 4, 10_000));
        if (!excluded.isEmpty()) q.bindList("excluded", List.copyOf(excluded));
        List<Claim> candidates = q.map((rs, ctx) -> new Claim(rs.getString("id"), rs.getString("project_id"), rs.getString("message_id"),
                rs.getString("channel"), rs.getString("target_id"), rs.getInt("attempts"), rs.getInt("schedule_pos"))).list();
        Map<String, Integer> taken = new HashMap<>();
        List<Claim> chosen = new ArrayList<>();
        for (Claim c : candidates) {
            if (chosen.size() >= limit) break;
            int used = inFlight.getOrDefault(c.targetId(), 0) + taken.getOrDefault(c.targetId(), 0);
            if (used >= perTarget) continue;
            taken.merge(c.targetId(), 1, Integer::sum);
            chosen.add(c);
        }
        if (chosen.isEmpty()) return chosen;
        h.createUpdate("UPDATE deliveries SET status = 'in_flight', lease_owner = :o, lease_until = :u, updated_at = :now WHERE id IN (<ids>)")
                .bind("o", owner).bind("u", leaseUntil).bind("now", now).bindList("ids", chosen.stream().map(Claim::id).toList()).execute();
        return chosen;
    }

    /** The new state of a delivery after an attempt. */
    public record Transition(String status, int schedulePos, Long nextAttemptAt, String deadReason, Long completedAt) {}

    /** One attempt to record and the state it moves its delivery to. */
    public record Completion(Claim claim, AttemptOutcome outcome, Transition transition, long startedAt, long finishedAt) {}

    /**
     * Records the attempts and moves their deliveries, in two batched statements. Each move is fenced by
     * the lease: if another worker took a lease over (this one stalled past it), the attempt is still
     * recorded but the state is left to the new owner. Returns, per completion, whether the state changed.
     */
    public static boolean[] completeAll(Handle h, String owner, List<Completion> completions) {
        boolean[] changed = new boolean[completions.size()];
        if (completions.isEmpty()) return changed;
        var attempts = h.prepareBatch("INSERT INTO attempts (delivery_id, attempt_no, started_at, duration_ms, status_code, error_kind, "
                + "error_message, response_body, response_truncated) VALUES (:d, :n, :s, :dur, :code, :kind, :msg, :body, :tr)");
        var moves = h.prepareBatch("UPDATE deliveries SET status = :st, attempts = attempts + 1, schedule_pos = :pos, next_attempt_at = :next, "
                + "lease_owner = NULL, lease_until = NULL, last_status_code = :code, last_error = :err, dead_reason = :dr, "
                + "updated_at = :now, completed_at = :done WHERE id = :id AND lease_owner = :o AND status = 'in_flight'");
        for (Completion x : completions) {
            Claim c = x.claim();
            AttemptOutcome o = x.outcome();
            Transition t = x.transition();
            attempts.bind("d", c.id()).bind("n", c.attempts() + 1).bind("s", x.startedAt()).bind("dur", o.durationMs())
                    .bind("code", o.statusCode()).bind("kind", o.errorKind()).bind("msg", o.errorMessage())
                    .bind("body", o.responseBody()).bind("tr", o.responseTruncated() ? 1 : 0).add();
            moves.bind("st", t.status()).bind("pos", t.schedulePos()).bind("next", t.nextAttemptAt()).bind("code", o.statusCode())
                    .bind("err", o.summary()).bind("dr", t.deadReason()).bind("now", x.finishedAt()).bind("done", t.completedAt())
                    .bind("id", c.id()).bind("o", owner).add();
        }
        attempts.execute();
        int[] counts = moves.execute();
        for (int i = 0; i < counts.length; i++) changed[i] = counts[i] == 1;
        return changed;
    }

    /** Returns leases that expired, or whose owner stopped heart-beating, to the queue. */
    public static int reclaimExpired(Handle h, long now, long deadWorkerBefore) {
        int n = h.createUpdate("UPDATE deliveries SET status = 'pending', lease_owner = NULL, lease_until = NULL, updated_at = :now "
                        + "WHERE status = 'in_flight' AND (lease_until < :now OR lease_owner IN "
                        + "(SELECT id FROM workers WHERE heartbeat_at < :dead))")
                .bind("now", now).bind("dead", deadWorkerBefore).execute();
        h.createUpdate("DELETE FROM workers WHERE heartbeat_at < :dead").bind("dead", deadWorkerBefore).execute();
        return n;
    }

    public static void heartbeat(Handle h, String worker, long now) {
        int n = h.createUpdate("UPDATE workers SET heartbeat_at = :now WHERE id = :id").bind("now", now).bind("id", worker).execute();
        if (n == 0) {
            h.createUpdate("INSERT INTO workers (id, started_at, heartbeat_at) VALUES (:id, :now, :now)").bind("id", worker).bind("now", now).execute();
        }
    }

    public static void removeWorker(Handle h, String worker) {
        h.createUpdate("DELETE FROM workers WHERE id = :id").bind("id", worker).execute();
    }

    /** Keeps a disabled target's waiting work without attempting it. */
    public static int pauseTarget(Handle h, String targetId, long now) {
        return h.createUpdate("UPDATE deliveries SET status = 'paused', updated_at = :now WHERE target_id = :t AND status = 'pending'")
                .bind("t", targetId).bind("now", now).execute();
    }

    /** Resumes a re-enabled target's paused work, due now (or later if a retry was already scheduled later). */
    public static int resumeTarget(Handle h, String targetId, long now) {
        return h.createUpdate("UPDATE deliveries SET status = 'pending', next_attempt_at = CASE WHEN next_attempt_at > :now "
                        + "THEN next_attempt_at ELSE :now END, updated_at = :now WHERE target_id = :t AND status = 'paused'")
                .bind("t", targetId).bind("now", now).execute();
    }

    public static int cancelTarget(Handle h, String targetId, long now) {
        return h.createUpdate("UPDATE deliveries SET status = 'cancelled', completed_at = :now, updated_at = :now "
                        + "WHERE target_id = :t AND status IN ('pending', 'paused')")
                .bind("t", targetId).bind("now", now).execute();
    }

    /** Puts finished deliveries back in the queue with a fresh retry schedule; the delivery id (and so X-Webhook-Delivery) stays. */
    public static int requeue(Handle h, Collection<String> ids, String status, long now) {
        if (ids.isEmpty()) return 0;
        return h.createUpdate("UPDATE deliveries SET status = :st, schedule_pos = 0, next_attempt_at = :now, dead_reason = NULL, "
                        + "completed_at = NULL, updated_at = :now WHERE id IN (<ids>) AND status IN ('dead', 'succeeded', 'cancelled')")
                .bind("st", status).bind("now", now).bindList("ids", List.copyOf(ids)).execute();
    }

    public static List<Message> messages(Handle h, Collection<String> ids) {
        if (ids.isEmpty()) return List.of();
        return h.createQuery("SELECT id, project_id, kind, type, body, created_at FROM messages WHERE id IN (<ids>)")
                .bindList("ids", List.copyOf(ids))
                .map((rs, ctx) -> new Message(rs.getString("id"), rs.getString("project_id"), rs.getString("kind"), rs.getString("type"),
                        rs.getBytes("body"), rs.getLong("created_at")))
                .list();
    }
}
