-- An approval binds the destination the reviewer saw, not only the payload (PostgreSQL twin of
-- sqlite/V8__approval_binding.sql, which explains the columns).
ALTER TABLE customer_emails ADD COLUMN approval_destination_sha256 TEXT;

CREATE TABLE customer_email_approvals (
    id                  TEXT COLLATE "C" PRIMARY KEY,
    customer_email_id   TEXT COLLATE "C" NOT NULL REFERENCES customer_emails(id),
    project_id          TEXT COLLATE "C" NOT NULL,
    approved_by         TEXT NOT NULL,
    approved_by_name    TEXT NOT NULL,
    approved_at         BIGINT NOT NULL,
    payload_sha256      TEXT NOT NULL,
    destination_sha256  TEXT NOT NULL,
    destination         TEXT NOT NULL,
    superseded_at       BIGINT,
    superseded_reason   TEXT
);
CREATE INDEX customer_email_approvals_email ON customer_email_approvals(customer_email_id, approved_at);
