-- An approval binds the destination the reviewer saw, not only the payload (SQLite). (There is no V6
-- on SQLite: PostgreSQL's V6 is its claim function; the numbers stay the same on both engines.)
--
-- approval_destination_sha256 is the SHA-256 of the connection's destination (URL, headers, auth
-- identity, signing-secret fingerprint) when the current approval was given. A send whose connection
-- now hashes differently is refused and the draft goes back to review. Drafts approved before this
-- migration have none, so their next send sends them back to review once: an approval that bound
-- nothing is not trusted to bind the destination.
ALTER TABLE customer_emails ADD COLUMN approval_destination_sha256 TEXT;

-- Every approval given, kept when it is superseded (the connection changed after it), so the history of
-- who approved what, for where, stays readable.
CREATE TABLE customer_email_approvals (
    id                  TEXT PRIMARY KEY,
    customer_email_id   TEXT NOT NULL REFERENCES customer_emails(id),
    project_id          TEXT NOT NULL,
    approved_by         TEXT NOT NULL,          -- API key id
    approved_by_name    TEXT NOT NULL,
    approved_at         INTEGER NOT NULL,
    payload_sha256      TEXT NOT NULL,
    destination_sha256  TEXT NOT NULL,
    destination         TEXT NOT NULL,          -- the description the hash is of (JSON; fingerprints, never secrets)
    superseded_at       INTEGER,
    superseded_reason   TEXT
);
CREATE INDEX customer_email_approvals_email ON customer_email_approvals(customer_email_id, approved_at);
