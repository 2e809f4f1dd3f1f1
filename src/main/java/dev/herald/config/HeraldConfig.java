package dev.herald.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** Herald's settings, validated and frozen at start. Build with {@link ConfigLoader}. */
public record HeraldConfig(
        String httpHost,
        int httpPort,
        Path dataDir,
        String databaseUrl,
        String databaseUser,
        String databasePassword,
        int databasePoolSize,
        String sqliteSynchronous,
        String masterKey,
        String logLevel,
        int maxEventSizeBytes,
        Duration idempotencyTtl,
        int deliveryConcurrency,
        int perWebhookConcurrency,
        Duration deliveryLease,
        Duration pollInterval,
        Duration workerDeadAfter,
        int deliveryBatchSize,
        int disableAfterFailures,
        Duration retryAfterMax,
        Duration secretRotationGrace,
        long maxResponseSizeBytes,
        Duration retention,
        OutboundSettings outbound,
        String publicUrl,
        Duration defaultWebhookTimeout,
        EmailSettings email,
        int workerHttpPort,
        int sqlitePageSize,
        InboundSettings inbound,
        MailSettings mail) {

    /**
     * Inbound mail: the SMTP listener (where, TLS, AUTH, limits), the size limit shared with the HTTP inbox,
     * how long received mail is kept and how long a pre-signed attachment URL lives.
     */
    public record MailSettings(boolean smtpEnabled, boolean smtpInWorkers, String host, int port, String hostname, Path tlsCertFile,
                               Path tlsKeyFile, boolean requireTls, String authUsername, String authPassword, int maxConnections,
                               int maxRecipients, Duration timeout, int maxMessageBytes, Duration retention, Duration attachmentUrlTtl) {
        @Override
        public String toString() {
            return "MailSettings[smtp=" + (smtpEnabled ? host + ":" + port : "off") + ", tls=" + (tlsCertFile != null)
                    + ", auth=" + (authUsername.isEmpty() ? "none" : "(set)") + ", maxMessageBytes=" + maxMessageBytes + "]";
        }
    }

    /**
     * Provider callbacks: the timestamp tolerance, the body cap, how long request records are kept, and
     * the hosts SNS signing certificates and subscription confirmations may come from.
     */
    public record InboundSettings(Duration tolerance, int maxBodyBytes, Duration requestRetention, java.util.regex.Pattern snsCertificateHosts) {}

    /** The longest per-webhook timeout the API accepts; the lease must be longer. */
    public static final int MAX_TIMEOUT_SECONDS = 60;

    /** Network policy for every outbound request. */
    public record OutboundSettings(boolean allowHttp, boolean allowPrivateNetworks, List<String> allowedHosts, Path caFile) {
        public OutboundSettings {
            allowedHosts = List.copyOf(allowedHosts);
        }

        public OutboundSettings(boolean allowHttp, boolean allowPrivateNetworks, List<String> allowedHosts) {
            this(allowHttp, allowPrivateNetworks, allowedHosts, null);
        }

        public static OutboundSettings strict() {
            return new OutboundSettings(false, false, List.of());
        }
    }

    /** True when the store is the embedded SQLite database. */
    public boolean isSqlite() {
        return databaseUrl.startsWith("jdbc:sqlite:");
    }

    /** True when the store is PostgreSQL. */
    public boolean isPostgres() {
        return databaseUrl.startsWith("jdbc:postgresql:");
    }

    /** The database URL as logs may show it: no credentials, no options (they may carry a password). */
    public String databaseUrlForLogs() {
        String u = databaseUrl.replaceAll("\\?.*$", "") + (databaseUrl.contains("?") ? "?(options hidden)" : "");
        return databaseUser == null ? u : u.replaceFirst("^jdbc:postgresql://", "jdbc:postgresql://" + databaseUser + "@");
    }

    /** Secrets never reach logs: the master key and database credentials are masked. */
    @Override
    public String toString() {
        return "HeraldConfig[http=" + httpHost + ":" + httpPort + ", dataDir=" + dataDir + ", database="
                + databaseUrlForLogs() + ", masterKey=" + (masterKey.isEmpty() ? "(key file)" : "(set)")
                + ", deliveryConcurrency=" + deliveryConcurrency + ", perWebhookConcurrency=" + perWebhookConcurrency
                + ", lease=" + Durations.format(deliveryLease) + ", outbound=" + outbound + ", email=" + email + "]";
    }
}
