-- Email (PostgreSQL twin of sqlite/V4__email.sql).

CREATE TABLE emails (
    id              TEXT COLLATE "C" PRIMARY KEY,
    project_id      TEXT COLLATE "C" NOT NULL REFERENCES projects(id),
    rfc_message_id  TEXT COLLATE "C" NOT NULL,
    envelope_from   TEXT NOT NULL,
    template        TEXT,
    subject         TEXT NOT NULL,
    recipients      TEXT NOT NULL,
    created_at      BIGINT NOT NULL
);
CREATE UNIQUE INDEX emails_rfc_message_id ON emails(rfc_message_id);
CREATE INDEX emails_project ON emails(project_id, id);

CREATE TABLE email_recipients (
    delivery_id  TEXT COLLATE "C" PRIMARY KEY,
    email_id     TEXT COLLATE "C" NOT NULL,
    address      TEXT NOT NULL
);
CREATE INDEX email_recipients_email ON email_recipients(email_id);

CREATE TABLE email_templates (
    project_id  TEXT COLLATE "C" NOT NULL REFERENCES projects(id),
    name        TEXT COLLATE "C" NOT NULL,
    subject     TEXT NOT NULL,
    text_body   TEXT,
    html_body   TEXT,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    PRIMARY KEY (project_id, name)
);
