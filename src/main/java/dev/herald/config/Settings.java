package dev.herald.config;

import java.util.List;

/** Every setting Herald reads. Order here is the order in {@code docs/configuration.md}. */
public final class Settings {
    private Settings() {}

    public static final Setting CONFIG_FILE = new Setting("HERALD_CONFIG_FILE", "--config", "",
            "Optional properties file (KEY=value lines using the names in this table). Flags beat environment variables, which beat the file, which beats defaults.", false);
    public static final Setting HTTP_HOST = new Setting("HERALD_HTTP_HOST", "--host", "0.0.0.0",
            "Interface the HTTP API listens on.", false);
    public static final Setting HTTP_PORT = new Setting("HERALD_HTTP_PORT", "--port", "8080",
            "TCP port of the HTTP API (0 picks a free port).", false);
    public static final Setting WORKER_HTTP_PORT = new Setting("HERALD_WORKER_HTTP_PORT", null, "",
            "Port on which `herald worker notifications` answers /healthz, /readyz and /metrics (on HERALD_HTTP_HOST). Empty: the worker listens on no port.", false);
    public static final Setting DATA_DIR = new Setting("HERALD_DATA_DIR", "--data-dir", "./data",
            "Directory for the embedded database and the generated master key file.", false);
    public static final Setting DATABASE_URL = new Setting("HERALD_DATABASE_URL", "--database-url", "",
            "Database to use. Empty means SQLite at <data dir>/herald.db. Accepts a SQLite path, a `sqlite:` or `jdbc:sqlite:` URL, "
            + "or PostgreSQL as `postgresql://user:password@host:5432/database` (libpq form, `?sslmode=` and other options allowed) or `jdbc:postgresql://host:5432/database`.", true);
    public static final Setting DATABASE_PASSWORD = new Setting("HERALD_DATABASE_PASSWORD", null, "",
            "PostgreSQL password, if you would rather not put it in HERALD_DATABASE_URL (it wins over the URL's).", true);
    public static final Setting DATABASE_POOL_SIZE = new Setting("HERALD_DATABASE_POOL_SIZE", null, "8",
            "Read connections in the pool. Each process also holds one writer connection (group commit) and, on PostgreSQL, one listening for new work.", false);
    public static final Setting SQLITE_SYNCHRONOUS = new Setting("HERALD_SQLITE_SYNCHRONOUS", null, "FULL",
            "SQLite `synchronous` pragma: FULL survives power loss, NORMAL survives process crashes only.", false);
    public static final Setting SQLITE_PAGE_SIZE = new Setting("HERALD_SQLITE_PAGE_SIZE", null, "4096",
            "SQLite page size in bytes for a new database file (an existing file keeps its own). Smaller pages mean fewer bytes written to the WAL per delivery.", false);
    public static final Setting MASTER_KEY = new Setting("HERALD_MASTER_KEY", null, "",
            "Base64 (or hex) of 32 random bytes that encrypts secrets at rest (AES-256-GCM). Empty: a key file `master.key` is created once in the data dir with owner-only permissions.", true);
    public static final Setting LOG_LEVEL = new Setting("HERALD_LOG_LEVEL", null, "INFO",
            "Log level for Herald's own loggers (TRACE, DEBUG, INFO, WARN, ERROR).", false);
    public static final Setting MAX_EVENT_SIZE = new Setting("HERALD_MAX_EVENT_SIZE_BYTES", null, "1048576",
            "Largest accepted request body for POST /api/v1/events, in bytes.", false);
    public static final Setting IDEMPOTENCY_TTL = new Setting("HERALD_IDEMPOTENCY_TTL", null, "24h",
            "How long an Idempotency-Key is remembered.", false);
    public static final Setting DELIVERY_CONCURRENCY = new Setting("HERALD_DELIVERY_CONCURRENCY", null, "256",
            "Most attempts in flight at once on this node, across all webhooks.", false);
    public static final Setting PER_WEBHOOK_CONCURRENCY = new Setting("HERALD_DELIVERY_PER_WEBHOOK_CONCURRENCY", null, "32",
            "Most attempts in flight at once to any one webhook, so one slow endpoint cannot take all the capacity. Left unset, it is lowered to HERALD_DELIVERY_CONCURRENCY when that is smaller.", false);
    public static final Setting DELIVERY_LEASE = new Setting("HERALD_DELIVERY_LEASE", null, "90s",
            "How long a claimed delivery stays leased to a worker. Must exceed the longest webhook timeout (60s) so a live attempt is never claimed twice.", false);
    public static final Setting DELIVERY_POLL_INTERVAL = new Setting("HERALD_DELIVERY_POLL_INTERVAL", null, "500ms",
            "How often an idle worker looks for due deliveries it was not told about (work from other processes, expired leases).", false);
    public static final Setting WORKER_DEAD_AFTER = new Setting("HERALD_WORKER_DEAD_AFTER", null, "20s",
            "A worker that has not heart-beaten for this long is presumed dead and its leased deliveries are taken over before their lease ends. Heartbeats are sent every quarter of this.", false);
    public static final Setting DELIVERY_BATCH_SIZE = new Setting("HERALD_DELIVERY_BATCH_SIZE", null, "256",
            "Most deliveries claimed in one database round trip.", false);
    public static final Setting DISABLE_AFTER_FAILURES = new Setting("HERALD_WEBHOOK_DISABLE_AFTER_FAILURES", null, "10",
            "Consecutive dead-lettered deliveries (no success in between) after which a webhook is disabled. 0 never disables.", false);
    public static final Setting RETRY_AFTER_MAX = new Setting("HERALD_RETRY_AFTER_MAX", null, "1h",
            "Longest Retry-After (on 429/503) that is honoured; longer values are cut to this.", false);
    public static final Setting SECRET_ROTATION_GRACE = new Setting("HERALD_SECRET_ROTATION_GRACE", null, "24h",
            "Default grace period after a secret rotation during which the previous secret keeps signing (see docs/signatures.md).", false);
    public static final Setting MAX_RESPONSE_SIZE = new Setting("HERALD_MAX_RESPONSE_SIZE_BYTES", null, "10485760",
            "Most response bytes read from a receiver; past this the response is cut off. The first 4096 bytes are stored on the attempt.", false);
    public static final Setting RETENTION = new Setting("HERALD_RETENTION", null, "30d",
            "Finished deliveries, their attempts and events older than this are pruned. 0s keeps everything.", false);
    public static final Setting OUTBOUND_ALLOW_HTTP = new Setting("SECURITY_OUTBOUND_ALLOW_HTTP", null, "false",
            "Allow plain http:// target URLs. Logged at startup when true.", false);
    public static final Setting OUTBOUND_ALLOW_PRIVATE = new Setting("SECURITY_OUTBOUND_ALLOW_PRIVATE_NETWORKS", null, "false",
            "Allow targets on loopback, private, link-local and other non-public addresses. Logged at startup when true.", false);
    public static final Setting OUTBOUND_ALLOWED_HOSTS = new Setting("SECURITY_OUTBOUND_ALLOWED_HOSTS", null, "",
            "Comma-separated host names, host:port pairs, IP addresses or CIDR ranges that may be reached even when non-public. Logged at startup when set.", false);
    public static final Setting OUTBOUND_CA_FILE = new Setting("SECURITY_OUTBOUND_CA_FILE", null, "",
            "PEM file of extra CA certificates trusted for outbound HTTPS (internal targets with a private CA). Added to the system trust store, never replacing it. Logged at startup when set.", false);
    public static final Setting PUBLIC_URL = new Setting("HERALD_PUBLIC_URL", null, "",
            "The URL people use to reach this Herald (scheme, host, port, optional path prefix). Links to the review page (review_url, Slack notices) start with it; an https URL also marks the review session cookie Secure. Unset: http://HOST:PORT of the port the API actually bound (HOST is HERALD_HTTP_HOST, or localhost when that is 0.0.0.0 or ::), so --port and port 0 are followed.", false);
    public static final Setting ADMIN_EMAILS = new Setting("HERALD_ADMIN_EMAILS", null, "",
            "Comma-separated addresses that receive operator notices by email (a webhook disabled automatically) when NOTIFICATION_TRANSPORT is smtp.", false);
    public static final Setting NOTIFICATION_TRANSPORT = new Setting("NOTIFICATION_TRANSPORT", null, "disabled",
            "How email leaves Herald: `disabled` (POST /api/v1/emails answers 409 and queued emails wait, paused) or `smtp` (through the relay below).", false);
    public static final Setting NOTIFICATION_HTTP_TIMEOUT = new Setting("NOTIFICATION_HTTP_TIMEOUT", null, "10s",
            "Default timeout of a webhook attempt, for webhooks created without `timeout_seconds`.", false);
    public static final Setting SMTP_HOST = new Setting("NOTIFICATION_SMTP_HOST", null, "localhost",
            "SMTP relay host name or address (not subject to the outbound network policy: the operator chooses it).", false);
    public static final Setting SMTP_PORT = new Setting("NOTIFICATION_SMTP_PORT", null, "1025",
            "SMTP relay port: 1025 is Mailpit's; relays usually listen on 587 (starttls) or 465 (tls).", false);
    public static final Setting SMTP_USERNAME = new Setting("NOTIFICATION_SMTP_USERNAME", null, "",
            "SMTP AUTH user name; empty sends without AUTH. Needs NOTIFICATION_SMTP_PASSWORD.", false);
    public static final Setting SMTP_PASSWORD = new Setting("NOTIFICATION_SMTP_PASSWORD", null, "",
            "SMTP AUTH password. Never logged; prefer the environment to a file.", true);
    public static final Setting SMTP_FROM = new Setting("NOTIFICATION_SMTP_FROM", null, "Herald <herald@localhost>",
            "Sender of every email: the From header and the envelope sender (MAIL FROM); its domain names the Message-IDs.", false);
    public static final Setting SMTP_TLS = new Setting("NOTIFICATION_SMTP_TLS", null, "none",
            "`none` (plain SMTP), `starttls` (upgrade required: a relay that does not offer STARTTLS fails the attempt, never falls back to plain text) or `tls` (implicit TLS, SMTPS). Certificates and host names are checked; SECURITY_OUTBOUND_CA_FILE adds a private CA.", false);
    public static final Setting SMTP_TIMEOUT = new Setting("NOTIFICATION_SMTP_TIMEOUT", null, "30s",
            "Limit for connecting, each SMTP read and write, and one whole attempt (waiting for a pooled connection included).", false);
    public static final Setting SMTP_CONNECTIONS = new Setting("NOTIFICATION_SMTP_CONNECTIONS", null, "4",
            "Most SMTP connections open to the relay at once; connections are kept and reused across messages.", false);
    public static final Setting SMTP_RETRY_SCHEDULE = new Setting("NOTIFICATION_SMTP_RETRY_SCHEDULE", null, "5s,30s,2m,10m,30m,2h",
            "Delays between attempts of an email after a 4xx answer or a network error (comma-separated durations); 5xx answers dead-letter at once.", false);

    public static final Setting INBOUND_TOLERANCE = new Setting("HERALD_INBOUND_TOLERANCE", null, "5m",
            "How far a provider callback's signed timestamp may be from Herald's clock, either way, before the callback is refused as stale (schemes that sign a time: email_status, SendGrid, MessageBird, Vonage).", false);
    public static final Setting INBOUND_MAX_BODY = new Setting("HERALD_INBOUND_MAX_BODY_SIZE_BYTES", null, "1048576",
            "Largest provider callback body accepted on /inbound/{id}; larger ones are answered 413.", false);
    public static final Setting INBOUND_REQUEST_RETENTION = new Setting("HERALD_INBOUND_REQUEST_RETENTION", null, "7d",
            "How long the record of each callback (verified with its body, rejected without) is kept for GET /api/v1/inbound-sources/{id}/requests.", false);
    public static final Setting INBOUND_SNS_CERT_HOSTS = new Setting("HERALD_INBOUND_SNS_CERT_HOSTS", null, "^sns\\.[a-z0-9-]+\\.amazonaws\\.com(\\.cn)?$",
            "Regular expression (matched against the whole, lower-cased host name) for the hosts an SNS message's SigningCertURL and SubscribeURL may name; checked before anything is fetched.", false);

    public static final Setting MAIL_SMTP_ENABLED = new Setting("HERALD_MAIL_SMTP_ENABLED", null, "true",
            "Whether `serve` (and `serve --api-only`) runs the SMTP listener that receives inbound mail (docs/mail.md).", false);
    public static final Setting MAIL_SMTP_IN_WORKERS = new Setting("HERALD_MAIL_SMTP_IN_WORKERS", null, "false",
            "Whether `worker notifications` processes run the SMTP listener too (with HERALD_MAIL_SMTP_ENABLED).", false);
    public static final Setting MAIL_SMTP_HOST = new Setting("HERALD_MAIL_SMTP_HOST", null, "0.0.0.0",
            "Interface the SMTP listener binds.", false);
    public static final Setting MAIL_SMTP_PORT = new Setting("HERALD_MAIL_SMTP_PORT", null, "2525",
            "TCP port of the SMTP listener (0 picks a free port). Point MX at a host whose port 25 forwards here.", false);
    public static final Setting MAIL_SMTP_HOSTNAME = new Setting("HERALD_MAIL_SMTP_HOSTNAME", null, "",
            "Name the SMTP listener gives in its greeting and Received headers. Empty: the host name of the machine.", false);
    public static final Setting MAIL_SMTP_TLS_CERT_FILE = new Setting("HERALD_MAIL_SMTP_TLS_CERT_FILE", null, "",
            "PEM certificate chain for STARTTLS on the SMTP listener. Empty (with the key file): STARTTLS is not offered.", false);
    public static final Setting MAIL_SMTP_TLS_KEY_FILE = new Setting("HERALD_MAIL_SMTP_TLS_KEY_FILE", null, "",
            "PEM private key (PKCS#8) for HERALD_MAIL_SMTP_TLS_CERT_FILE.", false);
    public static final Setting MAIL_SMTP_REQUIRE_TLS = new Setting("HERALD_MAIL_SMTP_REQUIRE_TLS", null, "false",
            "Refuse MAIL FROM until the client has started TLS (needs the certificate settings).", false);
    public static final Setting MAIL_SMTP_AUTH_USERNAME = new Setting("HERALD_MAIL_SMTP_AUTH_USERNAME", null, "",
            "When set, the listener offers AUTH PLAIN and LOGIN (after STARTTLS when TLS is configured) and requires it before MAIL FROM. For a relay that forwards mail to Herald; MX senders do not authenticate.", false);
    public static final Setting MAIL_SMTP_AUTH_PASSWORD = new Setting("HERALD_MAIL_SMTP_AUTH_PASSWORD", null, "",
            "Password for HERALD_MAIL_SMTP_AUTH_USERNAME.", true);
    public static final Setting MAIL_SMTP_MAX_CONNECTIONS = new Setting("HERALD_MAIL_SMTP_MAX_CONNECTIONS", null, "32",
            "Most SMTP connections served at once; more are answered 421 and closed. With the size limit, this bounds the listener's memory.", false);
    public static final Setting MAIL_SMTP_MAX_RECIPIENTS = new Setting("HERALD_MAIL_SMTP_MAX_RECIPIENTS", null, "100",
            "Most RCPT TO accepted per message; more are answered 452.", false);
    public static final Setting MAIL_SMTP_TIMEOUT = new Setting("HERALD_MAIL_SMTP_TIMEOUT", null, "5m",
            "An SMTP connection idle for this long is closed (RFC 5321 asks for at least 5 minutes).", false);
    public static final Setting MAIL_MAX_MESSAGE_SIZE = new Setting("HERALD_MAIL_MAX_MESSAGE_SIZE_BYTES", null, "26214400",
            "Largest message accepted, by SMTP (announced in EHLO SIZE; larger ones get 552) and by POST /api/v1/messages (413).", false);
    public static final Setting MAIL_RETENTION = new Setting("HERALD_MAIL_RETENTION", null, "30d",
            "Received messages (raw, parsed and attachments) older than this are deleted. 0s keeps everything.", false);
    public static final Setting MAIL_ATTACHMENT_URL_TTL = new Setting("HERALD_MAIL_ATTACHMENT_URL_TTL", null, "15m",
            "How long a pre-signed attachment URL stays valid.", false);

    public static final List<Setting> ALL = List.of(CONFIG_FILE, HTTP_HOST, HTTP_PORT, WORKER_HTTP_PORT, DATA_DIR, DATABASE_URL,
            DATABASE_PASSWORD, DATABASE_POOL_SIZE, SQLITE_SYNCHRONOUS, SQLITE_PAGE_SIZE, MASTER_KEY, LOG_LEVEL, MAX_EVENT_SIZE, IDEMPOTENCY_TTL,
            DELIVERY_CONCURRENCY, PER_WEBHOOK_CONCURRENCY, DELIVERY_LEASE, DELIVERY_POLL_INTERVAL, WORKER_DEAD_AFTER, DELIVERY_BATCH_SIZE,
            DISABLE_AFTER_FAILURES, RETRY_AFTER_MAX, SECRET_ROTATION_GRACE, MAX_RESPONSE_SIZE, RETENTION,
            OUTBOUND_ALLOW_HTTP, OUTBOUND_ALLOW_PRIVATE, OUTBOUND_ALLOWED_HOSTS, OUTBOUND_CA_FILE, PUBLIC_URL,
            ADMIN_EMAILS, NOTIFICATION_TRANSPORT, NOTIFICATION_HTTP_TIMEOUT, SMTP_HOST, SMTP_PORT, SMTP_USERNAME, SMTP_PASSWORD, SMTP_FROM,
            SMTP_TLS, SMTP_TIMEOUT, SMTP_CONNECTIONS, SMTP_RETRY_SCHEDULE, INBOUND_TOLERANCE, INBOUND_MAX_BODY, INBOUND_REQUEST_RETENTION,
            INBOUND_SNS_CERT_HOSTS, MAIL_SMTP_ENABLED, MAIL_SMTP_IN_WORKERS, MAIL_SMTP_HOST, MAIL_SMTP_PORT, MAIL_SMTP_HOSTNAME,
            MAIL_SMTP_TLS_CERT_FILE, MAIL_SMTP_TLS_KEY_FILE, MAIL_SMTP_REQUIRE_TLS, MAIL_SMTP_AUTH_USERNAME, MAIL_SMTP_AUTH_PASSWORD,
            MAIL_SMTP_MAX_CONNECTIONS, MAIL_SMTP_MAX_RECIPIENTS, MAIL_SMTP_TIMEOUT, MAIL_MAX_MESSAGE_SIZE, MAIL_RETENTION, MAIL_ATTACHMENT_URL_TTL);
}
