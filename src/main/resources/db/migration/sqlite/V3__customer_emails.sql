-- Customer emails waiting for, and decided by, a human reviewer (SQLite).

-- A draft freezes the approval artifact: the exact payload bytes and their SHA-256. Nothing about the
-- content changes afterwards; a changed email is a new draft.
CREATE TABLE customer_emails (
    id               TEXT PRIMARY KEY,
    project_id       TEXT NOT NULL REFERENCES projects(id),
    connection_id    TEXT NOT NULL,
    connection_name  TEXT NOT NULL,
    session_id       TEXT,
    issue_url        TEXT,
    payload          BLOB NOT NULL,
    payload_sha256   TEXT NOT NULL,
    status           TEXT NOT NULL,          -- pending_review | approved | rejected | sent | failed
    created_by       TEXT NOT NULL,          -- API key id
    created_by_name  TEXT NOT NULL,
    created_at       INTEGER NOT NULL,
    decided_by       TEXT,
    decided_by_name  TEXT,
    decided_at       INTEGER,
    reject_reason    TEXT,
    message_id       TEXT,                   -- set when sent: the message whose delivery carries the artifact
    delivery_id      TEXT,
    sent_at          INTEGER,
    slack_status     TEXT,                   -- null (no Slack settings) | not_first | queued | sent | failed
    slack_delivery_id TEXT,
    slack_error      TEXT,
    updated_at       INTEGER NOT NULL
);
CREATE INDEX customer_emails_project_status ON customer_emails(project_id, status, id);
CREATE INDEX customer_emails_session ON customer_emails(project_id, session_id);
CREATE INDEX customer_emails_message ON customer_emails(message_id);
CREATE INDEX customer_emails_slack ON customer_emails(slack_delivery_id);

-- Signed-in reviewers of the review page. Only the SHA-256 of the cookie value is stored.
CREATE TABLE review_sessions (
    id_hash      TEXT PRIMARY KEY,
    api_key_id   TEXT NOT NULL,
    project_id   TEXT NOT NULL,
    csrf_token   TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL
);
CREATE INDEX review_sessions_expires ON review_sessions(expires_at);
