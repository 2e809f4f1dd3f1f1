-- API keys record when they were last used (written at most once a minute per key)
-- (PostgreSQL twin of sqlite/V7__key_use_and_cancel.sql).
ALTER TABLE api_keys ADD COLUMN last_used_at BIGINT;
