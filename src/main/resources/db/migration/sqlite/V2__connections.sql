-- Outbound auth for webhooks and named connections (SQLite).

-- The webhook's auth oneof: sealed in full (AES-GCM, context webhook-auth:<id>) and, for reading back,
-- its redacted view (no secret values).
ALTER TABLE webhooks ADD COLUMN auth_enc TEXT;
ALTER TABLE webhooks ADD COLUMN auth_view TEXT;

-- A named, reusable target with its transport settings and credentials. details_enc holds every field,
-- secrets included, sealed (context connection:<id>); details_view is the redacted copy the API shows.
CREATE TABLE connections (
    id            TEXT PRIMARY KEY,
    project_id    TEXT NOT NULL REFERENCES projects(id),
    name          TEXT NOT NULL,
    display_name  TEXT,
    description   TEXT,
    type          TEXT NOT NULL,
    details_enc   TEXT NOT NULL,
    details_view  TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    UNIQUE (project_id, name)
);
