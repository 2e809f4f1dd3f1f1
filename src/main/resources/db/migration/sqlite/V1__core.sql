-- Herald core schema (SQLite). Times are epoch milliseconds (UTC).

CREATE TABLE projects (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    created_at  INTEGER NOT NULL
);

CREATE TABLE api_keys (
    id          TEXT PRIMARY KEY,
    project_id  TEXT NOT NULL REFERENCES projects(id),
    name        TEXT NOT NULL,
    role        TEXT NOT NULL,
    key_hash    TEXT NOT NULL UNIQUE,
    key_prefix  TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    revoked_at  INTEGER
);
CREATE INDEX api_keys_project ON api_keys(project_id);

CREATE TABLE webhooks (
    id                    TEXT PRIMARY KEY,
    project_id            TEXT NOT NULL REFERENCES projects(id),
    url                   TEXT NOT NULL,
    events                TEXT NOT NULL,   -- JSON array of patterns
    description           TEXT,
    headers               TEXT NOT NULL,   -- JSON object
    enabled               INTEGER NOT NULL,
    disabled_reason       TEXT,
    disabled_at           INTEGER,
    retry_schedule        TEXT NOT NULL,   -- JSON array of durations in ms
    timeout_seconds       INTEGER NOT NULL,
    signature_scheme      TEXT NOT NULL,
    signature_header      TEXT,
    secret_enc            TEXT NOT NULL,
    secret_kid            TEXT NOT NULL,
    prev_secret_enc       TEXT,
    prev_secret_kid       TEXT,
    prev_secret_until     INTEGER,
    consecutive_failures  INTEGER NOT NULL DEFAULT 0,
    created_at            INTEGER NOT NULL,
    updated_at            INTEGER NOT NULL,
    deleted_at            INTEGER
);
CREATE INDEX webhooks_project ON webhooks(project_id) WHERE deleted_at IS NULL;

-- An immutable message: the exact bytes every delivery of it sends and signs.
CREATE TABLE messages (
    id          TEXT PRIMARY KEY,
    project_id  TEXT NOT NULL REFERENCES projects(id),
    kind        TEXT NOT NULL,              -- 'event'
    type        TEXT NOT NULL,
    body        BLOB NOT NULL,
    created_at  INTEGER NOT NULL
);
CREATE INDEX messages_project_created ON messages(project_id, created_at);

-- One delivery per (message, target). status: pending | in_flight | paused | succeeded | dead | cancelled
CREATE TABLE deliveries (
    id               TEXT PRIMARY KEY,
    project_id       TEXT NOT NULL,
    message_id       TEXT NOT NULL REFERENCES messages(id),
    channel          TEXT NOT NULL,         -- 'webhook'
    target_id        TEXT NOT NULL,
    status           TEXT NOT NULL,
    attempts         INTEGER NOT NULL DEFAULT 0,
    schedule_pos     INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  INTEGER,
    lease_owner      TEXT,
    lease_until      INTEGER,
    last_status_code INTEGER,
    last_error       TEXT,
    dead_reason      TEXT,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    completed_at     INTEGER
);
-- The due-work query reads only this partial index.
CREATE INDEX deliveries_due ON deliveries(next_attempt_at) WHERE status = 'pending';
CREATE INDEX deliveries_leased ON deliveries(lease_until) WHERE status = 'in_flight';
-- Indexes that change with status cost writes on every claim and completion, so the rest are keyed
-- on columns that never change (ids are UUIDv7: ordered by creation time).
CREATE INDEX deliveries_target ON deliveries(target_id, id);
CREATE INDEX deliveries_target_waiting ON deliveries(target_id) WHERE status IN ('pending', 'paused');
CREATE INDEX deliveries_message ON deliveries(message_id);
CREATE INDEX deliveries_project ON deliveries(project_id, id);

CREATE TABLE attempts (
    id                  INTEGER PRIMARY KEY,  -- no AUTOINCREMENT: it costs a sqlite_sequence write per attempt
    delivery_id         TEXT NOT NULL REFERENCES deliveries(id),
    attempt_no          INTEGER NOT NULL,
    started_at          INTEGER NOT NULL,
    duration_ms         INTEGER NOT NULL,
    status_code         INTEGER,
    error_kind          TEXT,
    error_message       TEXT,
    response_body       TEXT,
    response_truncated  INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX attempts_delivery ON attempts(delivery_id);

CREATE TABLE idempotency_keys (
    project_id    TEXT NOT NULL,
    scope         TEXT NOT NULL,
    key           TEXT NOT NULL,
    request_hash  TEXT NOT NULL,
    response      TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    PRIMARY KEY (project_id, scope, key)
);
CREATE INDEX idempotency_created ON idempotency_keys(created_at);

-- Live dispatchers. A worker whose heartbeat is stale is dead: its leases are taken over early.
CREATE TABLE workers (
    id            TEXT PRIMARY KEY,
    started_at    INTEGER NOT NULL,
    heartbeat_at  INTEGER NOT NULL
);
