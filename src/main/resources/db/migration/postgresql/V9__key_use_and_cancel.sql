-- API keys record when they were last used (written at most once a minute per key), and a delivery
-- in flight can be asked to stop: when its current attempt ends it is cancelled instead of retried
-- (PostgreSQL twin of sqlite/V9__key_use_and_cancel.sql).
ALTER TABLE api_keys ADD COLUMN last_used_at BIGINT;
ALTER TABLE deliveries ADD COLUMN cancel_requested_at BIGINT;
