-- herald_claim() keeps its statements' plans for the session (issue 15). V6 had every call plan each statement
-- for its own arguments (plan_cache_mode = force_custom_plan); in the 1:1 benchmark that planning was a third
-- of the claim's time (0.37 ms of 1.1 ms a call, pg_stat_statements with track_planning): the in-flight count
-- alone took 0.16 ms to plan and 0.04 ms to run. Each statement's shape fixes its index (the primary key for
-- the id arrays, deliveries_due read in order for the head, deliveries_target_due for the walk), and bitmap
-- scans stay off (V13), so the generic plans that PostgreSQL's default (auto) settles on read the same indexes.
ALTER FUNCTION herald_claim(TEXT, BIGINT, BIGINT, INTEGER, INTEGER, TEXT[]) RESET plan_cache_mode;
