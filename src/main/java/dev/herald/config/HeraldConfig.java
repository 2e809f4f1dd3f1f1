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
        EmailSettings email) {

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

    /** Secrets never reach logs: the master key and database URL are masked. */
    @Override
    public String toString() {
        return "HeraldConfig[http=" + httpHost + ":" + httpPort + ", dataDir=" + dataDir + ", database="
                + (isSqlite() ? databaseUrl.replaceAll("\\?.*$", "") + (databaseUrl.contains("?") ? "?(options hidden)" : "") : "(postgresql)") + ", masterKey=" + (masterKey.isEmpty() ? "(key file)" : "(set)")
                + ", deliveryConcurrency=" + deliveryConcurrency + ", perWebhookConcurrency=" + perWebhookConcurrency
                + ", lease=" + Durations.format(deliveryLease) + ", outbound=" + outbound + ", email=" + email + "]";
    }
}
