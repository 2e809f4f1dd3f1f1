-- Issue 14. The headers each attempt sent (a JSON object; signatures and credentials already redacted),
-- shown in the attempt timeline. NULL for attempts made before this version and for channels that are not HTTP.
ALTER TABLE attempts ADD COLUMN request_headers TEXT;

-- One-time console sign-in links printed by `herald admin console-link`. Only the SHA-256 of the link's
-- token is stored; the link signs its holder in as the project's operator key (api_key_id) once, before
-- expires_at. Redeeming it deletes the row.
CREATE TABLE console_links (
    id_hash     TEXT PRIMARY KEY,
    api_key_id  TEXT COLLATE "C" NOT NULL,
    project_id  TEXT COLLATE "C" NOT NULL,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL
);
CREATE INDEX console_links_expires ON console_links(expires_at);
