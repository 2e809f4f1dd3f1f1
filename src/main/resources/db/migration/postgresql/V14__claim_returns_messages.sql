-- herald_claim() returns each claimed delivery's message with it, and keeps its statements' plans for the
-- session (issue 15).
--
-- The message: the dispatcher read the claimed deliveries' messages with a second query after every claim, a
-- round trip per claim on both sides; now the claim's own result carries them (kind, type, created_at on every
-- row, the body once per message, on its first delivery). The first seven columns are V13's, by the same names,
-- so a node of the previous version, which selects them by name, shares the database with this one.
--
-- The plans: V6 had every call plan each statement for its own arguments (plan_cache_mode = force_custom_plan);
-- in the 1:1 benchmark that planning was a third of the claim's time (0.37 ms of 1.1 ms a call,
-- pg_stat_statements with track_planning), the in-flight count alone 0.16 ms to plan and 0.04 ms to run. Each
-- statement's shape fixes its index (the primary key for the id arrays, deliveries_due read in order for the head,
-- deliveries_target_due for the walk), and bitmap scans stay off (V13), so the generic plans that PostgreSQL's
-- default (plan_cache_mode = auto) settles on read the same indexes. Otherwise the choice is V13's, unchanged.
DROP FUNCTION herald_claim(TEXT, BIGINT, BIGINT, INTEGER, INTEGER, TEXT[]);
CREATE FUNCTION herald_claim(p_owner TEXT, p_now BIGINT, p_lease_until BIGINT, p_limit INTEGER, p_per_target INTEGER, p_ended TEXT[])
RETURNS TABLE (id TEXT, project_id TEXT, message_id TEXT, channel TEXT, target_id TEXT, attempts INTEGER, schedule_pos INTEGER,
               message_kind TEXT, message_type TEXT, message_body BYTEA, message_created_at BIGINT)
LANGUAGE plpgsql VOLATILE
-- Without bitmap scans the head is always read in the order of deliveries_due (V13).
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

    -- In the order chosen (due order, the head first), each with its message; a message's body comes once, with
    -- its first delivery (fan-out claims many deliveries of one message).
    RETURN QUERY
    WITH u AS (
        UPDATE deliveries d SET status = 'in_flight', lease_owner = p_owner, lease_until = p_lease_until, updated_at = p_now
        WHERE d.id = ANY (v_locked)
        RETURNING d.id::TEXT AS u_id, d.project_id::TEXT AS u_project, d.message_id AS u_message, d.channel AS u_channel,
                  d.target_id::TEXT AS u_target, d.attempts AS u_attempts, d.schedule_pos AS u_pos
    ), o AS (
        SELECT u.*, array_position(v_chosen, u.u_id) AS u_rank FROM u
    )
    SELECT o.u_id, o.u_project, o.u_message::TEXT, o.u_channel, o.u_target, o.u_attempts, o.u_pos,
           m.kind, m.type,
           CASE WHEN o.u_rank = min(o.u_rank) OVER (PARTITION BY o.u_message) THEN m.body END,
           m.created_at
    FROM o LEFT JOIN messages m ON m.id = o.u_message
    ORDER BY o.u_rank;
END
$$;
