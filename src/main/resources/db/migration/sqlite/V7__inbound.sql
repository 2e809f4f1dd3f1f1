-- Provider callbacks (SQLite): sources, the record of each callback, and the normalised statuses.

-- A provider's callback endpoint in a project. credentials_enc holds the provider's secrets sealed
-- (AES-GCM, context inbound-source:<id>); options is plain JSON (no secrets).
CREATE TABLE inbound_sources (
    id               TEXT PRIMARY KEY,
    project_id       TEXT NOT NULL REFERENCES projects(id),
    name             TEXT NOT NULL,
    provider         TEXT NOT NULL,
    credentials_enc  TEXT NOT NULL,
    options          TEXT NOT NULL,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    UNIQUE (project_id, name)
);

-- Every callback to a source: verified ones with their body (for debugging), rejected ones without.
CREATE TABLE inbound_requests (
    id              TEXT PRIMARY KEY,
    source_id       TEXT NOT NULL,
    received_at     INTEGER NOT NULL,
    outcome         TEXT NOT NULL,
    reason          TEXT,
    remote_address  TEXT,
    content_type    TEXT,
    body            BLOB,
    statuses        INTEGER NOT NULL,
    duplicates      INTEGER NOT NULL
);
CREATE INDEX inbound_requests_source ON inbound_requests(source_id, id);

-- One row per normalised status item; (source_id, event_key) makes a provider's retry create nothing new.
CREATE TABLE message_statuses (
    id                   TEXT PRIMARY KEY,
    project_id           TEXT NOT NULL,
    source_id            TEXT NOT NULL,
    provider             TEXT NOT NULL,
    channel              TEXT NOT NULL,
    status               TEXT NOT NULL,
    provider_status      TEXT,
    provider_message_id  TEXT,
    provider_event_id    TEXT,
    recipient            TEXT,
    reason               TEXT,
    bounce_type          TEXT,
    occurred_at          INTEGER,
    email_id             TEXT,
    event_id             TEXT NOT NULL,
    event_key            TEXT NOT NULL,
    created_at           INTEGER NOT NULL,
    UNIQUE (source_id, event_key)
);
CREATE INDEX message_statuses_project ON message_statuses(project_id, id);
CREATE INDEX message_statuses_provider_message ON message_statuses(project_id, provider_message_id);
CREATE INDEX message_statuses_email ON message_statuses(email_id);
