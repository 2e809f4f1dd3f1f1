-- herald_claim() chooses as the SQLite claim does (DeliveryRepository.claim, issue 15). V11 ranked the first
-- LEAST(4 x limit, 10000) due rows with a window function before taking any: with one busy webhook and a
-- backlog, every claim read and sorted about 900 rows to take the few its free slots allowed (5 ms a call,
-- half of PostgreSQL's CPU in the 1:1 benchmark), and work behind a backlog longer than that window waited
-- until the backlog drained. Now the head of the queue is read lazily in due order and reading stops once
-- the claim has its rows, or after a run of 64 rows of targets at their limit; then, if there is room, the
-- targets with pending work are walked through deliveries_target_due (V11), each taking its oldest due rows
-- up to its free slots, and the oldest of those fill the room. The cost no longer grows with any one
-- target's backlog. Same signature as V11, so nodes of either version share one database.
CREATE OR REPLACE FUNCTION herald_claim(p_owner TEXT, p_now BIGINT, p_lease_until BIGINT, p_limit INTEGER, p_per_target INTEGER, p_ended TEXT[])
RETURNS TABLE (id TEXT, project_id TEXT, message_id TEXT, channel TEXT, target_id TEXT, attempts INTEGER, schedule_pos INTEGER)
LANGUAGE plpgsql VOLATILE
SET plan_cache_mode = force_custom_plan
-- The queue's counts swing faster than its statistics (0 to 50,000 pending in seconds): with 48 rows
-- estimated and 2,700 due, the head was read by a bitmap scan and sorted whole instead of read in index order
-- and stopped early. Without bitmap scans the head is always read in the order of deliveries_due.
SET enable_bitmapscan = off
AS $$
#variable_conflict use_column
DECLARE
    v_busy JSONB;              -- deliveries in flight per target, on every node (this node's ended attempts left out)
    v_taken JSONB := '{}';     -- rows chosen per target by this claim
    v_chosen TEXT[] := '{}';
    v_found_ids TEXT[] := '{}';
    v_found_ats BIGINT[] := '{}';
    v_window INTEGER := LEAST(GREATEST(p_limit * 4, 64), 10000);
    v_read INTEGER := 0;
    v_skipped INTEGER := 0;
    v_blocked BOOLEAN := FALSE;
    v_free INTEGER;
    v_mine INTEGER;
    v_added INTEGER;
    v_room INTEGER;
    v_after TEXT := '';
    v_target TEXT;
    v_locked TEXT[];
    r RECORD;
BEGIN
    -- 0x686572616c64 ("herald"): one claim at a time, on every node.
    PERFORM pg_advisory_xact_lock(114776665878884);
    IF p_limit <= 0 THEN
        RETURN;
    END IF;

    SELECT COALESCE(jsonb_object_agg(b.t, b.n), '{}'::JSONB) INTO v_busy
    FROM (SELECT f.target_id AS t, count(*) AS n FROM deliveries f
          WHERE f.status = 'in_flight' AND NOT (f.id = ANY (p_ended)) GROUP BY f.target_id) b;

    -- The head of the queue, in due order, whatever its targets (a FOR loop fetches a few rows at a time).
    FOR r IN SELECT q.id AS d_id, q.target_id AS t FROM deliveries q
             WHERE q.status = 'pending' AND q.next_attempt_at <= p_now ORDER BY q.next_attempt_at LIMIT v_window LOOP
        v_read := v_read + 1;
        v_mine := COALESCE((v_taken ->> r.t)::INTEGER, 0);
        IF COALESCE((v_busy ->> r.t)::INTEGER, 0) + v_mine >= p_per_target THEN
            v_skipped := v_skipped + 1;
            IF v_skipped >= 64 THEN
                v_blocked := TRUE;
                EXIT;
            END IF;
            CONTINUE;
        END IF;
        v_skipped := 0;
        v_taken := v_taken || jsonb_build_object(r.t, v_mine + 1);
        v_chosen := v_chosen || r.d_id;
        EXIT WHEN cardinality(v_chosen) >= p_limit;
    END LOOP;

    IF cardinality(v_chosen) < p_limit AND (v_blocked OR v_read = v_window) THEN
        -- The head is held by targets at their limit: look behind it target by target (an index step each).
        v_room := p_limit - cardinality(v_chosen);
        FOR i IN 1..10000 LOOP
            SELECT k.target_id INTO v_target FROM deliveries k
            WHERE k.status = 'pending' AND k.target_id > v_after ORDER BY k.target_id LIMIT 1;
            EXIT WHEN v_target IS NULL;
            v_after := v_target;
            v_mine := COALESCE((v_taken ->> v_target)::INTEGER, 0);
            v_free := p_per_target - COALESCE((v_busy ->> v_target)::INTEGER, 0) - v_mine;
            CONTINUE WHEN v_free <= 0;
            v_added := 0;
            -- Rows already chosen from the head are still pending here: read past them.
            FOR r IN SELECT q.id AS d_id, q.next_attempt_at AS at FROM deliveries q
                     WHERE q.status = 'pending' AND q.target_id = v_target AND q.next_attempt_at <= p_now
                     ORDER BY q.next_attempt_at LIMIT LEAST(v_free, v_room) + v_mine LOOP
                CONTINUE WHEN r.d_id = ANY (v_chosen);
                v_found_ids := v_found_ids || r.d_id;
                v_found_ats := v_found_ats || r.at;
                v_added := v_added + 1;
                EXIT WHEN v_added >= v_free;
            END LOOP;
            v_target := NULL;
        END LOOP;
        v_chosen := v_chosen || ARRAY(SELECT f.i FROM unnest(v_found_ids, v_found_ats) AS f(i, a) ORDER BY f.a LIMIT v_room);
    END IF;
    IF cardinality(v_chosen) = 0 THEN
        RETURN;
    END IF;

    -- Rows another transaction holds (a pause, a cancel, a manual retry) are passed over, not waited for.
    SELECT array_agg(l.id) INTO v_locked
    FROM (SELECT k.id FROM deliveries k WHERE k.id = ANY (v_chosen) AND k.status = 'pending' FOR UPDATE SKIP LOCKED) l;
    IF v_locked IS NULL THEN
        RETURN;
    END IF;

    -- In the order chosen (due order, the head first).
    RETURN QUERY
    WITH u AS (
        UPDATE deliveries d SET status = 'in_flight', lease_owner = p_owner, lease_until = p_lease_until, updated_at = p_now
        WHERE d.id = ANY (v_locked)
        RETURNING d.id::TEXT AS u_id, d.project_id::TEXT AS u_project, d.message_id::TEXT AS u_message, d.channel AS u_channel,
                  d.target_id::TEXT AS u_target, d.attempts AS u_attempts, d.schedule_pos AS u_pos
    )
    SELECT u.u_id, u.u_project, u.u_message, u.u_channel, u.u_target, u.u_attempts, u.u_pos FROM u
    ORDER BY array_position(v_chosen, u.u_id);
END
$$;
