-- Outbound auth for webhooks and named connections (PostgreSQL twin of sqlite/V2__connections.sql).

ALTER TABLE webhooks ADD COLUMN auth_enc TEXT;
ALTER TABLE webhooks ADD COLUMN auth_view TEXT;

CREATE TABLE connections (
    id            TEXT COLLATE "C" PRIMARY KEY,
    project_id    TEXT COLLATE "C" NOT NULL REFERENCES projects(id),
    name          TEXT COLLATE "C" NOT NULL,
    display_name  TEXT,
    description   TEXT,
    type          TEXT NOT NULL,
    details_enc   TEXT NOT NULL,
    details_view  TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL,
    UNIQUE (project_id, name)
);
