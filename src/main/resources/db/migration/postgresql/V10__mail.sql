-- Inbound mail (PostgreSQL twin of sqlite/V10__mail.sql): domains a project receives mail for, endpoints and routes, the stored messages
-- with their attachments, and which queued message each route produced.

-- A mail domain belongs to one project across the whole installation.
CREATE TABLE mail_domains (
    id          TEXT COLLATE "C" PRIMARY KEY,
    project_id  TEXT COLLATE "C" NOT NULL REFERENCES projects(id),
    domain      TEXT COLLATE "C" NOT NULL UNIQUE,
    created_at  BIGINT NOT NULL
);
CREATE INDEX mail_domains_project ON mail_domains(project_id);

-- Where routes deliver. secret_enc (and prev_secret_enc during a rotation's grace) are sealed with
-- context mail-endpoint:<id>; headers is plain JSON (custom headers may carry credentials: sealed too, headers_enc).
CREATE TABLE mail_endpoints (
    id                 TEXT COLLATE "C" PRIMARY KEY,
    project_id         TEXT COLLATE "C" NOT NULL REFERENCES projects(id),
    name               TEXT NOT NULL,
    url                TEXT NOT NULL,
    headers_enc        TEXT NOT NULL,
    header_names       TEXT NOT NULL,
    timeout_seconds    INTEGER NOT NULL,
    signature_header   TEXT NOT NULL,
    secret_enc         TEXT NOT NULL,
    secret_kid         TEXT NOT NULL,
    prev_secret_enc    TEXT,
    prev_secret_kid    TEXT,
    prev_secret_until  BIGINT,
    created_at         BIGINT NOT NULL,
    updated_at         BIGINT NOT NULL,
    deleted_at         BIGINT
);
CREATE INDEX mail_endpoints_project ON mail_endpoints(project_id, created_at);

-- Which mail goes where: tried by priority (then creation); conditions and endpoint_ids are JSON.
CREATE TABLE mail_routes (
    id            TEXT COLLATE "C" PRIMARY KEY,
    project_id    TEXT COLLATE "C" NOT NULL REFERENCES projects(id),
    name          TEXT NOT NULL,
    priority      INTEGER NOT NULL,
    conditions    TEXT NOT NULL,
    mapper        TEXT NOT NULL,
    template      TEXT,
    endpoint_ids  TEXT NOT NULL,
    stop_after    INTEGER NOT NULL,
    enabled       INTEGER NOT NULL,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);
CREATE INDEX mail_routes_project ON mail_routes(project_id, priority, created_at);

-- A received message as it arrived (raw) and as parsed (document: the generic JSON).
CREATE TABLE mail_messages (
    id                    TEXT COLLATE "C" PRIMARY KEY,
    project_id            TEXT COLLATE "C" NOT NULL,
    message_id            TEXT COLLATE "C" NOT NULL,
    transport             TEXT NOT NULL,
    mail_from             TEXT,
    subject               TEXT,
    from_address          TEXT,
    from_name             TEXT,
    rcpt_to               TEXT NOT NULL,
    attachment_count      INTEGER NOT NULL,
    size                  BIGINT NOT NULL,
    attachments_size      BIGINT NOT NULL,
    flags                 TEXT NOT NULL,
    document              TEXT NOT NULL,
    routed                TEXT NOT NULL,
    event_id              TEXT COLLATE "C",
    raw                   BYTEA NOT NULL,
    received_at           BIGINT NOT NULL
);
CREATE INDEX mail_messages_project ON mail_messages(project_id, id);
CREATE INDEX mail_messages_message_id ON mail_messages(project_id, message_id);
CREATE INDEX mail_messages_received ON mail_messages(received_at);

CREATE TABLE mail_attachments (
    id               TEXT COLLATE "C" PRIMARY KEY,
    mail_message_id  TEXT COLLATE "C" NOT NULL,
    position         INTEGER NOT NULL,
    filename         TEXT NOT NULL,
    content_type     TEXT NOT NULL,
    size             BIGINT NOT NULL,
    is_inline        INTEGER NOT NULL,
    content_id       TEXT COLLATE "C",
    sha256           TEXT NOT NULL,
    content          BYTEA NOT NULL
);
CREATE INDEX mail_attachments_message ON mail_attachments(mail_message_id, position);

-- One row per queued message a route produced for a received message (id = the queued message's id).
CREATE TABLE mail_deliveries (
    id               TEXT COLLATE "C" PRIMARY KEY,
    mail_message_id  TEXT COLLATE "C" NOT NULL,
    route_id         TEXT COLLATE "C" NOT NULL,
    idempotency_key  TEXT NOT NULL,
    created_at       BIGINT NOT NULL
);
CREATE INDEX mail_deliveries_message ON mail_deliveries(mail_message_id);
