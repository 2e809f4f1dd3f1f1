-- Customer emails waiting for, and decided by, a human reviewer (PostgreSQL twin of
-- sqlite/V3__customer_emails.sql).

CREATE TABLE customer_emails (
    id                TEXT COLLATE "C" PRIMARY KEY,
    project_id        TEXT COLLATE "C" NOT NULL REFERENCES projects(id),
    connection_id     TEXT COLLATE "C" NOT NULL,
    connection_name   TEXT NOT NULL,
    session_id        TEXT,
    issue_url         TEXT,
    payload           BYTEA NOT NULL,
    payload_sha256    TEXT NOT NULL,
    status            TEXT NOT NULL,
    created_by        TEXT NOT NULL,
    created_by_name   TEXT NOT NULL,
    created_at        BIGINT NOT NULL,
    decided_by        TEXT,
    decided_by_name   TEXT,
    decided_at        BIGINT,
    reject_reason     TEXT,
    message_id        TEXT COLLATE "C",
    delivery_id       TEXT COLLATE "C",
    sent_at           BIGINT,
    slack_status      TEXT,
    slack_delivery_id TEXT COLLATE "C",
    slack_error       TEXT,
    updated_at        BIGINT NOT NULL
);
CREATE INDEX customer_emails_project_status ON customer_emails(project_id, status, id);
CREATE INDEX customer_emails_session ON customer_emails(project_id, session_id);
CREATE INDEX customer_emails_message ON customer_emails(message_id);
CREATE INDEX customer_emails_slack ON customer_emails(slack_delivery_id);

CREATE TABLE review_sessions (
    id_hash      TEXT PRIMARY KEY,
    api_key_id   TEXT COLLATE "C" NOT NULL,
    project_id   TEXT COLLATE "C" NOT NULL,
    csrf_token   TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL
);
CREATE INDEX review_sessions_expires ON review_sessions(expires_at);
