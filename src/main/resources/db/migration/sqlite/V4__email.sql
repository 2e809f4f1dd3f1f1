-- Email (SQLite). An email is a message (kind 'email', body = the MIME bytes every attempt sends) with
-- one delivery per recipient on channel 'email', whose target is the SMTP relay ('smtp').

-- What the API shows about an email, and what an attempt needs besides the bytes.
CREATE TABLE emails (
    id              TEXT PRIMARY KEY,          -- = messages.id
    project_id      TEXT NOT NULL REFERENCES projects(id),
    rfc_message_id  TEXT NOT NULL,             -- the Message-ID header, <...@domain>; provider callbacks match on it
    envelope_from   TEXT NOT NULL,             -- MAIL FROM
    template        TEXT,                      -- null for inline content
    subject         TEXT NOT NULL,
    recipients      TEXT NOT NULL,             -- JSON array of the To addresses
    created_at      INTEGER NOT NULL
);
CREATE UNIQUE INDEX emails_rfc_message_id ON emails(rfc_message_id);
CREATE INDEX emails_project ON emails(project_id, id);

-- The recipient (RCPT TO) of each email delivery.
CREATE TABLE email_recipients (
    delivery_id  TEXT PRIMARY KEY,
    email_id     TEXT NOT NULL,
    address      TEXT NOT NULL
);
CREATE INDEX email_recipients_email ON email_recipients(email_id);

-- Per-project templates; a row overrides the built-in of the same name.
CREATE TABLE email_templates (
    project_id  TEXT NOT NULL REFERENCES projects(id),
    name        TEXT NOT NULL,
    subject     TEXT NOT NULL,
    text_body   TEXT,
    html_body   TEXT,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (project_id, name)
);
