-- API keys record when they were last used (written at most once a minute per key).
ALTER TABLE api_keys ADD COLUMN last_used_at INTEGER;
