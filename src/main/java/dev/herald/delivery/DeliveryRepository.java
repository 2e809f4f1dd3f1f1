package dev.herald.delivery;

import dev.herald.store.Dialect;
import dev.herald.store.Sql;
import dev.herald.store.StoreException;
import dev.herald.store.Writer;
import dev.herald.util.Ids;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
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
 * {@code succeeded}, {@code dead} or {@code cancelled}. A delivery cancelled while in flight keeps its
 * lease and gets {@code cancel_requested_at}: when its attempt is recorded (or its lease is taken back)
 * it becomes {@code cancelled} instead of waiting for another attempt; an attempt that succeeded or
 * failed for good is recorded as usual.
 */
final class DeliveryRepository {
    private DeliveryRepository() {}

    private static final String INSERT_MESSAGE = "INSERT INTO messages (id, project_id, kind, type, body, created_at) VALUES (?, ?, ?, ?, ?, ?)";
    private static final String INSERT_DELIVERY = "INSERT INTO deliveries (id, project_id, message_id, channel, target_id, status, attempts, "
            + "schedule_pos, next_attempt_at, lease_owner, lease_until, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 0, 0, ?, ?, ?, ?, ?)";

    public static void insertMessage(Handle h, Message m) {
        try {
            PreparedStatement ps = Sql.cached(h, INSERT_MESSAGE);
            bindMessage(ps, m);
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new StoreException("cannot store message: " + e.getMessage(), e);
        }
    }

    private static void bindMessage(PreparedStatement ps, Message m) throws SQLException {
        ps.setString(1, m.id());
        ps.setString(2, m.projectId());
        ps.setString(3, m.kind());
        ps.setString(4, m.type());
        ps.setBytes(5, m.body());
        ps.setLong(6, m.createdAt());
    }

    /**
     * Creates one delivery per target, due now. Returns their ids. Where {@code leases[i]} is above 0 the
     * delivery is handed straight to this node's dispatcher: stored in flight, leased to {@code owner}
     * until then (no claim follows); otherwise it is stored pending. {@code leases} may be null (all pending).
     */
    public static List<String> insertDeliveries(Handle h, Message m, String channel, List<String> targetIds, long now, String owner, long[] leases) {
        List<String> ids = newIds(targetIds.size(), now);
        if (targetIds.isEmpty()) return ids;
        try {
            PreparedStatement ps = Sql.cached(h, INSERT_DELIVERY);
            for (int i = 0; i < targetIds.size(); i++) {
                boolean leased = leases != null && leases[i] > 0;
                bindDelivery(ps, ids.get(i), m, channel, targetIds.get(i), now, leased ? owner : null, leased ? leases[i] : null);
                ps.addBatch();
            }
            ps.executeBatch();
        } catch (SQLException e) {
            throw new StoreException("cannot store deliveries: " + e.getMessage(), e);
        }
        return ids;
    }

    private static List<String> newIds(int n, long now) {
        List<String> ids = new ArrayList<>(n);
        for (int i = 0; i < n; i++) ids.add(Ids.uuid7(now));
        return ids;
    }

    private static void bindDelivery(PreparedStatement ps, String id, Message m, String channel, String targetId, long now,
                                     String owner, Long leaseUntil) throws SQLException {
        ps.setString(1, id);
        ps.setString(2, m.projectId());
        ps.setString(3, m.id());
        ps.setString(4, channel);
        ps.setString(5, targetId);
        ps.setString(6, owner != null ? "in_flight" : "pending");
        ps.setLong(7, now);
        ps.setString(8, owner);
        setLong(ps, 9, leaseUntil);
        ps.setLong(10, now);
        ps.setLong(11, now);
    }

    /**
     * Messages and their pending deliveries left by the jobs of one writer batch to be inserted together
     * ({@link dev.herald.store.Writer#deferred}): two batched statements for the whole batch, which the
     * driver sends as multi-row inserts, instead of two round trips per message.
     */
    static final class PendingRows implements Writer.Deferred {
        private record Row(Message message, String channel, List<String> targetIds, List<String> ids, long now) {}

        private final List<Row> rows = new ArrayList<>();

        /** Adds {@code m} and one pending delivery per target, due at {@code now}; returns the deliveries' ids. */
        List<String> add(Message m, String channel, List<String> targetIds, long now) {
            List<String> ids = newIds(targetIds.size(), now);
            rows.add(new Row(m, channel, List.copyOf(targetIds), ids, now));
            return ids;
        }

        @Override
        public void flush(Handle h) throws SQLException {
            PreparedStatement messages = Sql.cached(h, INSERT_MESSAGE);
            PreparedStatement deliveries = Sql.cached(h, INSERT_DELIVERY);
            try {
                for (Row r : rows) {
                    bindMessage(messages, r.message());
                    messages.addBatch();
                }
                messages.executeBatch();
                boolean any = false;
                for (Row r : rows) {
                    for (int i = 0; i < r.ids().size(); i++) {
                        bindDelivery(deliveries, r.ids().get(i), r.message(), r.channel(), r.targetIds().get(i), r.now(), null, null);
                        deliveries.addBatch();
                        any = true;
                    }
                }
                if (any) deliveries.executeBatch();
            } catch (SQLException | RuntimeException e) {
                // The batch is rolled back and run again: nothing of this attempt may stay bound.
                messages.clearBatch();
                deliveries.clearBatch();
                throw e;
            } finally {
                rows.clear();
            }
        }
    }

    /** Whether any pending delivery is due at {@code now} (one step into the partial index deliveries_due). */
    static boolean anyDue(Handle h, long now) {
        try {
            PreparedStatement ps = Sql.cached(h, "SELECT 1 FROM deliveries WHERE status = 'pending' AND next_attempt_at <= ? LIMIT 1");
            ps.setLong(1, now);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        } catch (SQLException e) {
            throw new StoreException("cannot read the queue: " + e.getMessage(), e);
        }
    }

    /**
     * Leases up to {@code limit} due deliveries, at most {@code perTarget} in flight per target, skipping
     * {@code excluded} targets. Runs in {@link dev.herald.store.Database#claim}, so two claims never
     * overlap, on one node or many.
     *
     * <p>On SQLite this process is the only worker, and {@code inFlight} (its own counts, which include
     * attempts finished but not yet recorded) is the whole picture. On PostgreSQL the claim is one call of
     * {@code herald_claim()} (migration V6): under a cluster-wide advisory lock it reads the in-flight counts
     * from the table, which covers every node (that is what makes the per-target limit hold across nodes),
     * picks due rows within the limits, and locks only those with {@code FOR UPDATE SKIP LOCKED}, so rows
     * another transaction is changing (a target being paused, a delivery being retried by hand) are passed
     * over, not waited for.
     */
    public static List<Claim> claim(Handle h, String owner, long now, long leaseUntil, int limit, int perTarget,
                                    Map<String, Integer> inFlight, Set<String> excluded) {
        return claim(h, owner, now, leaseUntil, limit, perTarget, inFlight, excluded, Set.of(), new HashMap<>());
    }

    /**
     * {@link #claim} where {@code ended} are this node's deliveries whose attempts have ended but whose
     * outcomes are not committed yet: on PostgreSQL their rows still say {@code in_flight}, and
     * {@code herald_claim()} (migration V11) does not count them against their target's limit. Where the claim
     * returns the deliveries' messages with them (PostgreSQL, migration V14), they are put in {@code messages}.
     */
    public static List<Claim> claim(Handle h, String owner, long now, long leaseUntil, int limit, int perTarget,
                                    Map<String, Integer> inFlight, Set<String> excluded, Set<String> ended,
                                    Map<String, Message> messages) {
        Dialect dialect = Dialect.of(h);
        try {
            if (dialect == Dialect.POSTGRESQL) return claimShared(h, owner, now, leaseUntil, limit, perTarget, ended, messages);
            // The head of the queue, in due order, whatever its targets: its cost does not grow with the queue.
            int window = Math.min(Math.max(limit * 4, 64), 10_000);
            PreparedStatement q = Sql.cached(h, dueQuery(dialect));
            q.setLong(1, now);
            q.setInt(2, window);
            Map<String, Integer> taken = new HashMap<>();
            List<Claim> chosen = new ArrayList<>();
            int read = 0;
            int skipped = 0;
            boolean blocked = false;
            // Read lazily, the target first: a row of a full target costs one column, and reading stops once
            // enough are chosen, or once a run of rows all belong to full targets (the head is blocked).
            try (ResultSet rs = q.executeQuery()) {
                while (chosen.size() < limit && rs.next()) {
                    read++;
                    String target = rs.getString(5);
                    int used = excluded.contains(target) ? perTarget : inFlight.getOrDefault(target, 0) + taken.getOrDefault(target, 0);
                    if (used >= perTarget) {
                        if (++skipped >= BLOCKED_RUN) {
                            blocked = true;
                            break;
                        }
                        continue;
                    }
                    skipped = 0;
                    taken.merge(target, 1, Integer::sum);
                    chosen.add(claimRow(rs).leased(leaseUntil));
                }
            }
            if (chosen.size() < limit && (blocked || read == window)) {
                // The head is held by targets at their limit (one busy webhook with a long backlog): look behind
                // it target by target, so other targets' work is not stuck behind it and the busy backlog is not read.
                chosen.addAll(behindTheHead(h, now, leaseUntil, limit - chosen.size(), perTarget, inFlight, excluded, taken, chosen));
            }
            if (chosen.isEmpty()) return chosen;
            PreparedStatement u = Sql.cached(h, "UPDATE deliveries SET status = 'in_flight', lease_owner = ?, lease_until = ?, updated_at = ? "
                    + "WHERE id IN (" + dialect.idsIn("?") + ")");
            u.setString(1, owner);
            u.setLong(2, leaseUntil);
            u.setLong(3, now);
            u.setString(4, Sql.jsonArray(chosen.stream().map(Claim::id).toList()));
            u.executeUpdate();
            return chosen;
        } catch (SQLException e) {
            throw new StoreException("cannot claim deliveries: " + e.getMessage(), e);
        }
    }

    private static List<Claim> claimShared(Handle h, String owner, long now, long leaseUntil, int limit, int perTarget,
                                           Set<String> ended, Map<String, Message> messages) throws SQLException {
        List<Claim> claimed = new ArrayList<>();
        try (PreparedStatement ps = h.getConnection().prepareStatement(
                "SELECT id, project_id, message_id, channel, target_id, attempts, schedule_pos, "
                        + "message_kind, message_type, message_body, message_created_at FROM herald_claim(?, ?, ?, ?, ?, ?)")) {
            ps.setString(1, owner);
            ps.setLong(2, now);
            ps.setLong(3, leaseUntil);
            ps.setInt(4, limit);
            ps.setInt(5, perTarget);
            ps.setArray(6, h.getConnection().createArrayOf("text", ended.toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    Claim c = claimRow(rs).leased(leaseUntil);
                    claimed.add(c);
                    // The body comes once per message, with its first delivery.
                    byte[] body = rs.getBytes(10);
                    if (body != null) messages.put(c.messageId(), new Message(c.messageId(), c.projectId(), rs.getString(8), rs.getString(9), body, rs.getLong(11)));
                }
            }
        }
        return claimed;
    }

    private static Claim claimRow(ResultSet rs) throws SQLException {
        return new Claim(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5), rs.getInt(6), rs.getInt(7), 0);
    }

    /**
     * The due-work query: parameters {@code now}, the JSON array of targets to skip, and the limit. It reads
     * the partial index {@code deliveries_due} (pending rows only), so its cost does not grow with history.
     */
    public static String dueQuery(Dialect dialect) {
        return "SELECT id, project_id, message_id, channel, target_id, attempts, schedule_pos FROM deliveries "
                + "WHERE status = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at LIMIT ?";
    }

    /** The next target after {@code ?} with pending work: one step of a walk over the index deliveries_target_due (migration V11). */
    static final String NEXT_TARGET = "SELECT target_id FROM deliveries WHERE status = 'pending' AND target_id > ? ORDER BY target_id LIMIT 1";

    /** One target's due work, oldest first, from deliveries_target_due: parameters target, now, limit. */
    static final String TARGET_DUE = "SELECT id, project_id, message_id, channel, target_id, attempts, schedule_pos, next_attempt_at FROM deliveries "
            + "WHERE status = 'pending' AND target_id = ? AND next_attempt_at <= ? ORDER BY next_attempt_at LIMIT ?";

    /** Rows in a row of full targets after which the claim stops reading the head and walks the targets instead. */
    private static final int BLOCKED_RUN = 64;

    /** How many targets one claim may walk past; the rest wait for the next claim. */
    private static final int MAX_TARGETS_WALKED = 10_000;

    /**
     * Due work of targets below their limit that the head of the queue did not reach: walks the targets
     * with pending work (an index step each, skipping those at their limit), takes each one's oldest due
     * rows up to its free slots, and returns the {@code room} oldest of them. Its cost grows with the
     * number of targets with pending work, never with the length of any one target's backlog.
     */
    private static List<Claim> behindTheHead(Handle h, long now, long leaseUntil, int room, int perTarget, Map<String, Integer> inFlight,
                                             Set<String> excluded, Map<String, Integer> taken, List<Claim> chosen) throws SQLException {
        Set<String> already = new java.util.HashSet<>();
        for (Claim c : chosen) already.add(c.id());
        PreparedStatement next = Sql.cached(h, NEXT_TARGET);
        PreparedStatement due = Sql.cached(h, TARGET_DUE);
        record Due(Claim claim, long at) {}
        List<Due> found = new ArrayList<>();
        String after = "";
        for (int walked = 0; walked < MAX_TARGETS_WALKED; walked++) {
            next.setString(1, after);
            String target = null;
            try (ResultSet rs = next.executeQuery()) {
                if (rs.next()) target = rs.getString(1);
            }
            if (target == null) break;
            after = target;
            if (excluded.contains(target)) continue;
            int mine = taken.getOrDefault(target, 0);
            int free = perTarget - inFlight.getOrDefault(target, 0) - mine;
            if (free <= 0) continue;
            due.setString(1, target);
            due.setLong(2, now);
            due.setInt(3, Math.min(free, room) + mine);
            try (ResultSet rs = due.executeQuery()) {
                int added = 0;
                while (rs.next() && added < free) {
                    Claim c = claimRow(rs);
                    if (already.contains(c.id())) continue;
                    found.add(new Due(c, rs.getLong(8)));
                    added++;
                }
            }
        }
        found.sort(java.util.Comparator.comparingLong(Due::at));
        List<Claim> out = new ArrayList<>();
        for (Due d : found) {
            if (out.size() >= room) break;
            out.add(d.claim().leased(leaseUntil));
        }
        return out;
    }

    /** The new state of a delivery after an attempt. */
    public record Transition(String status, int schedulePos, Long nextAttemptAt, String deadReason, Long completedAt) {}

    /** One attempt to record and the state it moves its delivery to. */
    public record Completion(Claim claim, AttemptOutcome outcome, Transition transition, long startedAt, long finishedAt) {}

    /**
     * Records the attempts and moves their deliveries, in two batched statements. Each move is fenced by
     * the claim's lease (owner and lease time): if the lease was taken back (this worker stalled past it)
     * and the delivery claimed again, by another worker or by this one, the late attempt is still recorded
     * but the state is left to the new claim. Returns, per completion, whether the state changed.
     */
    public static boolean[] completeAll(Handle h, String owner, List<Completion> completions) {
        if (completions.isEmpty()) return new boolean[0];
        try {
            PreparedStatement attempts = Sql.cached(h, "INSERT INTO attempts (delivery_id, attempt_no, started_at, duration_ms, status_code, "
                    + "error_kind, error_message, response_body, response_truncated, request_headers) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
            for (Completion x : completions) {
                Claim c = x.claim();
                AttemptOutcome o = x.outcome();
                attempts.setString(1, c.id());
                attempts.setInt(2, c.attempts() + 1);
                attempts.setLong(3, x.startedAt());
                attempts.setLong(4, o.durationMs());
                setInteger(attempts, 5, o.statusCode());
                attempts.setString(6, o.errorKind());
                attempts.setString(7, o.errorMessage());
                attempts.setString(8, o.responseBody());
                attempts.setInt(9, o.responseTruncated() ? 1 : 0);
                attempts.setString(10, o.requestHeaders());
                attempts.addBatch();
            }
            attempts.executeBatch();
            return Dialect.of(h) == Dialect.POSTGRESQL ? moveAll(h, owner, completions) : moveEach(h, owner, completions);
        } catch (SQLException e) {
            throw new StoreException("cannot record attempts: " + e.getMessage(), e);
        }
    }

    /** The state transitions of {@link #completeAll} on SQLite: a statement per attempt (calls into the process, batched). */
    private static boolean[] moveEach(Handle h, String owner, List<Completion> completions) throws SQLException {
        // A retry (pending, paused) of a delivery whose cancel was asked for while in flight cancels it instead.
        PreparedStatement moves = Sql.cached(h, "UPDATE deliveries SET "
                + "status = CASE WHEN cancel_requested_at IS NULL OR ? NOT IN ('pending', 'paused') THEN ? ELSE 'cancelled' END, "
                + "attempts = attempts + 1, schedule_pos = ?, next_attempt_at = CASE WHEN cancel_requested_at IS NULL THEN ? ELSE NULL END, "
                + "lease_owner = NULL, lease_until = NULL, last_status_code = ?, last_error = ?, dead_reason = ?, updated_at = ?, "
                + "completed_at = CASE WHEN cancel_requested_at IS NULL OR ? NOT IN ('pending', 'paused') THEN ? ELSE ? END "
                + "WHERE id = ? AND lease_owner = ? AND lease_until = ? AND status = 'in_flight'");
        for (Completion x : completions) {
            Claim c = x.claim();
            AttemptOutcome o = x.outcome();
            Transition t = x.transition();
            moves.setString(1, t.status());
            moves.setString(2, t.status());
            moves.setInt(3, t.schedulePos());
            setLong(moves, 4, t.nextAttemptAt());
            setInteger(moves, 5, o.statusCode());
            moves.setString(6, o.summary());
            moves.setString(7, t.deadReason());
            moves.setLong(8, x.finishedAt());
            moves.setString(9, t.status());
            setLong(moves, 10, t.completedAt());
            moves.setLong(11, x.finishedAt());
            moves.setString(12, c.id());
            moves.setString(13, owner);
            moves.setLong(14, c.leaseUntil());
            moves.addBatch();
        }
        int[] counts = moves.executeBatch();
        boolean[] changed = new boolean[completions.size()];
        for (int i = 0; i < counts.length; i++) changed[i] = counts[i] == 1;
        return changed;
    }

    /**
     * The state transitions of {@link #completeAll} on PostgreSQL: one statement for the whole batch, its rows
     * bound as arrays, instead of one per attempt (pipelined in one round trip, but each with its own bind,
     * executor start and end on the server and its own encoding in the driver).
     */
    private static boolean[] moveAll(Handle h, String owner, List<Completion> completions) throws SQLException {
        int n = completions.size();
        String[] ids = new String[n];
        String[] statuses = new String[n];
        Integer[] positions = new Integer[n];
        Long[] nextAt = new Long[n];
        Integer[] codes = new Integer[n];
        String[] errors = new String[n];
        String[] deadReasons = new String[n];
        Long[] finished = new Long[n];
        Long[] completed = new Long[n];
        Long[] leases = new Long[n];
        for (int i = 0; i < n; i++) {
            Completion x = completions.get(i);
            Transition t = x.transition();
            ids[i] = x.claim().id();
            statuses[i] = t.status();
            positions[i] = t.schedulePos();
            nextAt[i] = t.nextAttemptAt();
            codes[i] = x.outcome().statusCode();
            errors[i] = x.outcome().summary();
            deadReasons[i] = t.deadReason();
            finished[i] = x.finishedAt();
            completed[i] = t.completedAt();
            leases[i] = x.claim().leaseUntil();
        }
        java.sql.Connection c = h.getConnection();
        PreparedStatement ps = Sql.cached(h, "UPDATE deliveries d SET "
                + "status = CASE WHEN d.cancel_requested_at IS NULL OR v.status NOT IN ('pending', 'paused') THEN v.status ELSE 'cancelled' END, "
                + "attempts = d.attempts + 1, schedule_pos = v.pos, "
                + "next_attempt_at = CASE WHEN d.cancel_requested_at IS NULL THEN v.next_at ELSE NULL END, "
                + "lease_owner = NULL, lease_until = NULL, last_status_code = v.code, last_error = v.error, dead_reason = v.dead, "
                + "updated_at = v.finished, "
                + "completed_at = CASE WHEN d.cancel_requested_at IS NULL OR v.status NOT IN ('pending', 'paused') THEN v.completed ELSE v.finished END "
                + "FROM unnest(?::text[], ?::text[], ?::int4[], ?::int8[], ?::int4[], ?::text[], ?::text[], ?::int8[], ?::int8[], ?::int8[]) "
                + "AS v(id, status, pos, next_at, code, error, dead, finished, completed, lease_until) "
                + "WHERE d.id = v.id COLLATE \"C\" AND d.lease_owner = ? AND d.lease_until = v.lease_until AND d.status = 'in_flight' "
                + "RETURNING d.id");
        ps.setArray(1, c.createArrayOf("text", ids));
        ps.setArray(2, c.createArrayOf("text", statuses));
        ps.setArray(3, c.createArrayOf("int4", positions));
        ps.setArray(4, c.createArrayOf("int8", nextAt));
        ps.setArray(5, c.createArrayOf("int4", codes));
        ps.setArray(6, c.createArrayOf("text", errors));
        ps.setArray(7, c.createArrayOf("text", deadReasons));
        ps.setArray(8, c.createArrayOf("int8", finished));
        ps.setArray(9, c.createArrayOf("int8", completed));
        ps.setArray(10, c.createArrayOf("int8", leases));
        ps.setString(11, owner);
        Set<String> moved = new java.util.HashSet<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) moved.add(rs.getString(1));
        }
        boolean[] changed = new boolean[n];
        for (int i = 0; i < n; i++) changed[i] = moved.contains(ids[i]);
        return changed;
    }

    private static void setInteger(PreparedStatement ps, int i, Integer v) throws SQLException {
        if (v == null) ps.setNull(i, Types.INTEGER); else ps.setInt(i, v);
    }

    private static void setLong(PreparedStatement ps, int i, Long v) throws SQLException {
        if (v == null) ps.setNull(i, Types.BIGINT); else ps.setLong(i, v);
    }

    /** Returns leases that expired, or whose owner stopped heart-beating, to the queue (or cancels them, when that was asked for). */
    public static int reclaimExpired(Handle h, long now, long deadWorkerBefore) {
        int n = h.createUpdate("UPDATE deliveries SET status = CASE WHEN cancel_requested_at IS NULL THEN 'pending' ELSE 'cancelled' END, "
                        + "completed_at = CASE WHEN cancel_requested_at IS NULL THEN completed_at ELSE :now END, "
                        + "lease_owner = NULL, lease_until = NULL, updated_at = :now "
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

    /** Repeats the partial index's condition, so SQLite can use deliveries_target_waiting. */
    private static final String WAITING = "AND status IN ('pending', 'paused')";

    /** Keeps a disabled target's waiting work without attempting it. */
    public static int pauseTarget(Handle h, String targetId, long now) {
        return h.createUpdate("UPDATE deliveries SET status = 'paused', updated_at = :now WHERE target_id = :t "
                        + WAITING + " AND status = 'pending'")
                .bind("t", targetId).bind("now", now).execute();
    }

    /** Resumes a re-enabled target's paused work, due now (or later if a retry was already scheduled later). */
    public static int resumeTarget(Handle h, String targetId, long now) {
        return h.createUpdate("UPDATE deliveries SET status = 'pending', next_attempt_at = CASE WHEN next_attempt_at > :now "
                        + "THEN next_attempt_at ELSE :now END, updated_at = :now WHERE target_id = :t " + WAITING + " AND status = 'paused'")
                .bind("t", targetId).bind("now", now).execute();
    }

    public static int cancelTarget(Handle h, String targetId, long now) {
        return h.createUpdate("UPDATE deliveries SET status = 'cancelled', completed_at = :now, updated_at = :now "
                        + "WHERE target_id = :t " + WAITING)
                .bind("t", targetId).bind("now", now).execute();
    }

    /**
     * Cancels one delivery that has not finished: a waiting one (pending, paused) at once; one in flight
     * when its attempt ends (its cancel is recorded). Returns {@code cancelled}, {@code cancelling} (in
     * flight), or null when it is not waiting or in flight (finished, or not this project's). One
     * statement, so a claim or an outcome racing it on another node is either before it or after it.
     */
    public static String cancel(Handle h, String projectId, String id, long now) {
        int n = h.createUpdate("UPDATE deliveries SET status = CASE WHEN status = 'in_flight' THEN status ELSE 'cancelled' END, "
                        + "completed_at = CASE WHEN status = 'in_flight' THEN completed_at ELSE :now END, "
                        + "cancel_requested_at = CASE WHEN status = 'in_flight' THEN COALESCE(cancel_requested_at, :now) ELSE cancel_requested_at END, "
                        + "updated_at = :now WHERE id = :id AND project_id = :p AND status IN ('pending', 'paused', 'in_flight')")
                .bind("id", id).bind("p", projectId).bind("now", now).execute();
        if (n == 0) return null;
        String status = h.createQuery("SELECT status FROM deliveries WHERE id = :id").bind("id", id).mapTo(String.class).one();
        return status.equals("in_flight") ? "cancelling" : "cancelled";
    }

    /** Puts finished deliveries back in the queue with a fresh retry schedule; the delivery id (and so X-Webhook-Delivery) stays. */
    public static int requeue(Handle h, Collection<String> ids, String status, long now) {
        if (ids.isEmpty()) return 0;
        return h.createUpdate("UPDATE deliveries SET status = :st, schedule_pos = 0, next_attempt_at = :now, dead_reason = NULL, "
                        + "completed_at = NULL, cancel_requested_at = NULL, updated_at = :now WHERE id IN (<ids>) AND status IN ('dead', 'succeeded', 'cancelled')")
                .bind("st", status).bind("now", now).bindList("ids", List.copyOf(ids)).execute();
    }

    public static List<Message> messages(Handle h, Collection<String> ids) {
        if (ids.isEmpty()) return List.of();
        return h.createQuery("SELECT id, project_id, kind, type, body, created_at FROM messages WHERE id IN (" + Sql.idsIn(h, ":ids") + ")")
                .bind("ids", Sql.jsonArray(ids))
                .map((rs, ctx) -> new Message(rs.getString("id"), rs.getString("project_id"), rs.getString("kind"), rs.getString("type"),
                        rs.getBytes("body"), rs.getLong("created_at")))
                .list();
    }
}
