-- Pending work per target in due order (issue 15). The SQLite claim walks it past targets at their
-- concurrency limit; on PostgreSQL herald_claim() (V6) does its own selection, and the index serves a
-- target's due work in order for the same reason (pause, resume and cancel keep using deliveries_target_waiting).
CREATE INDEX deliveries_target_due ON deliveries(target_id, next_attempt_at) WHERE status = 'pending';

-- herald_claim() with the ids of the calling node's attempts that have ended but whose outcome is not yet
-- committed (p_ended): their rows still say in_flight, yet no request of theirs is open at the receiver, so
-- they do not count against the per-target limit. Without this a target's slots stayed taken for the length
-- of a commit after each attempt, and one busy webhook got a fraction of its limit (issue 15). The
-- five-argument version (V6) stays for nodes not yet upgraded.
CREATE FUNCTION herald_claim(p_owner TEXT, p_now BIGINT, p_lease_until BIGINT, p_limit INTEGER, p_per_target INTEGER, p_ended TEXT[])
RETURNS TABLE (id TEXT, project_id TEXT, message_id TEXT, channel TEXT, target_id TEXT, attempts INTEGER, schedule_pos INTEGER)
LANGUAGE plpgsql VOLATILE
SET plan_cache_mode = force_custom_plan
AS $$
#variable_conflict use_column
DECLARE
    v_chosen TEXT[];
    v_locked TEXT[];
BEGIN
    -- 0x686572616c64 ("herald"): one claim at a time, on every node.
    PERFORM pg_advisory_xact_lock(114776665878884);

    WITH busy AS (
        SELECT f.target_id AS t, count(*)::INTEGER AS n FROM deliveries f
        WHERE f.status = 'in_flight' AND NOT (f.id = ANY (p_ended)) GROUP BY f.target_id
    ), due AS (
        SELECT q.id AS d_id, q.target_id AS t, q.next_attempt_at AS at FROM deliveries q
        WHERE q.status = 'pending' AND q.next_attempt_at <= p_now
        ORDER BY q.next_attempt_at LIMIT LEAST(p_limit * 4, 10000)
    ), ranked AS (
        SELECT due.d_id, due.at,
               row_number() OVER (PARTITION BY due.t ORDER BY due.at, due.d_id) + COALESCE(busy.n, 0) AS slot
        FROM due LEFT JOIN busy ON busy.t = due.t
    )
    SELECT array_agg(c.d_id) INTO v_chosen
    FROM (SELECT ranked.d_id FROM ranked WHERE ranked.slot <= p_per_target ORDER BY ranked.at, ranked.d_id LIMIT p_limit) c;
    IF v_chosen IS NULL THEN
        RETURN;
    END IF;

    -- Rows another transaction holds (a pause, a cancel, a manual retry) are passed over, not waited for.
    SELECT array_agg(l.id) INTO v_locked
    FROM (SELECT k.id FROM deliveries k WHERE k.id = ANY (v_chosen) AND k.status = 'pending' FOR UPDATE SKIP LOCKED) l;
    IF v_locked IS NULL THEN
        RETURN;
    END IF;

    RETURN QUERY
    UPDATE deliveries d SET status = 'in_flight', lease_owner = p_owner, lease_until = p_lease_until, updated_at = p_now
    WHERE d.id = ANY (v_locked)
    RETURNING d.id::TEXT, d.project_id::TEXT, d.message_id::TEXT, d.channel, d.target_id::TEXT, d.attempts, d.schedule_pos;
END
$$;
