-- Pending work per target in due order (issue 15). The SQLite claim walks it past targets at their
-- concurrency limit; on PostgreSQL herald_claim() (V6) does its own selection, and the index serves a
-- target's due work in order for the same reason (pause, resume and cancel keep using deliveries_target_waiting).
CREATE INDEX deliveries_target_due ON deliveries(target_id, next_attempt_at) WHERE status = 'pending';
