-- Pending work per target in due order: the claim walks it past targets at their concurrency limit
-- (one busy webhook with a long backlog) without reading their backlog, so its cost stays flat however
-- long the queue gets (issue 15).
CREATE INDEX deliveries_target_due ON deliveries(target_id, next_attempt_at) WHERE status = 'pending';
