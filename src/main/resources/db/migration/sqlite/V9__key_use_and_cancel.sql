-- API keys record when they were last used (written at most once a minute per key), and a delivery
-- in flight can be asked to stop: when its current attempt ends it is cancelled instead of retried.
ALTER TABLE api_keys ADD COLUMN last_used_at INTEGER;
ALTER TABLE deliveries ADD COLUMN cancel_requested_at INTEGER;
