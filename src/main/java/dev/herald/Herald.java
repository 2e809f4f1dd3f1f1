package dev.herald;

import dev.herald.api.ApiServer;
import dev.herald.config.HeraldConfig;
import dev.herald.config.EmailSettings;
import dev.herald.connections.ConnectionService;
import dev.herald.connections.SlackChannel;
import dev.herald.customeremail.CustomerEmailChannel;
import dev.herald.customeremail.CustomerEmailService;
import dev.herald.ui.ReviewSessions;
import dev.herald.delivery.Channel;
import dev.herald.delivery.DeliveryService;
import dev.herald.delivery.Dispatcher;
import dev.herald.delivery.QueueStats;
import dev.herald.delivery.Retention;
import dev.herald.delivery.RetryPolicy;
import dev.herald.email.AdminNotices;
import dev.herald.email.EmailChannel;
import dev.herald.email.EmailService;
import dev.herald.email.TemplateService;
import dev.herald.metrics.Metrics;
import dev.herald.outbound.Authenticator;
import dev.herald.outbound.HostResolver;
import dev.herald.outbound.OutboundClient;
import dev.herald.outbound.OutboundPolicy;
import dev.herald.outbound.TrustAnchors;
import dev.herald.projects.ApiKeys;
import dev.herald.signing.KeyCheck;
import dev.herald.signing.MasterKey;
import dev.herald.signing.SecretBox;
import dev.herald.store.Database;
import dev.herald.webhooks.EventService;
import dev.herald.webhooks.Subscriptions;
import dev.herald.webhooks.WebhookChannel;
import dev.herald.webhooks.WebhookService;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One Herald process: the database, the API and/or the dispatcher, wired together. */
public final class Herald implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Herald.class);

    /** Which parts run in this process. */
    public enum Mode { ALL, API_ONLY, WORKER_ONLY }

    private final List<AutoCloseable> closeables = new ArrayList<>();
    private final ApiServer api;
    private final Dispatcher dispatcher;
    private final Database db;
    private final ConnectionService connections;
    private final EmailChannel email;

    private Herald(HeraldConfig cfg, Mode mode, HostResolver resolver, Clock clock) {
        logRelaxedPolicy(cfg);
        this.db = Database.open(cfg);
        closeables.add(db);
        try {
            SecretBox secrets = new SecretBox(MasterKey.load(cfg));
            KeyCheck.verify(db, secrets);
            Metrics metrics = new Metrics();
            OutboundPolicy policy = new OutboundPolicy(cfg.outbound());
            OutboundClient outbound = new OutboundClient(policy, resolver, cfg.maxResponseSizeBytes(), cfg.perWebhookConcurrency());
            closeables.add(0, outbound);
            Dispatcher[] ref = new Dispatcher[1];
            // New work wakes this process's dispatcher at once and, on PostgreSQL, every other node's (NOTIFY).
            Runnable wake = () -> {
                if (ref[0] != null) ref[0].wake();
                db.announceWork();
            };
            Subscriptions subscriptions = new Subscriptions();
            EventService events = new EventService(db, subscriptions, clock, cfg.idempotencyTtl(), wake);
            Authenticator authenticator = new Authenticator(outbound, clock);
            this.connections = new ConnectionService(db, policy, secrets, authenticator, clock);
            EmailSettings mail = cfg.email();
            EmailService emails = new EmailService(db, mail, clock, cfg.idempotencyTtl(), wake);
            WebhookChannel webhooks = new WebhookChannel(db, authenticator, secrets, events, subscriptions, clock, metrics, cfg.disableAfterFailures(),
                    new AdminNotices(emails, mail.adminEmails()));
            this.email = new EmailChannel(db, mail, mail.tls() == EmailSettings.Tls.NONE ? null : TrustAnchors.clientContext(cfg.outbound().caFile()), clock);
            closeables.add(0, email);
            ApiKeys keys = new ApiKeys(db, clock);
            CustomerEmailService customerEmails = new CustomerEmailService(db, connections, keys, clock, cfg.publicUrl(), wake);
            List<Channel> channels = List.of(webhooks, email, new CustomerEmailChannel(db, authenticator, connections, clock),
                    new SlackChannel(db, authenticator, connections, clock, customerEmails::onSlackResults));
            logEmail(mail);
            if (mode != Mode.API_ONLY) {
                email.applyTransportSetting();
                ref[0] = new Dispatcher(db, channels, new RetryPolicy(cfg.retryAfterMax(), new SecureRandom()),
                        new Dispatcher.Settings(cfg.deliveryConcurrency(), cfg.perWebhookConcurrency(), cfg.deliveryLease(),
                                cfg.pollInterval(), cfg.deliveryBatchSize(), cfg.workerDeadAfter()), clock, metrics);
                closeables.add(0, ref[0]);
                Retention retention = new Retention(db, clock, cfg.retention(), cfg.idempotencyTtl());
                closeables.add(0, retention);
                retention.start();
            }
            this.dispatcher = ref[0];
            if (mode == Mode.WORKER_ONLY) {
                // A worker answers only /healthz, /readyz and /metrics, and only when given a port.
                this.api = cfg.workerHttpPort() < 0 ? null : ApiServer.opsOnly(db, metrics, cfg.httpHost(), cfg.workerHttpPort()).start();
                if (api != null) closeables.add(0, api);
            } else {
                ApiServer.Services s = new ApiServer.Services(db, keys,
                        new WebhookService(db, subscriptions, policy, secrets, clock, cfg.secretRotationGrace(), (int) cfg.defaultWebhookTimeout().toSeconds()),
                        events, new DeliveryService(db, channels, clock, wake), connections, customerEmails,
                        new ReviewSessions(db, keys, clock, cfg.publicUrl().startsWith("https:")), metrics, cfg.maxEventSizeBytes(),
                        emails, new TemplateService(db, clock));
                this.api = new ApiServer(s, cfg.httpHost(), cfg.httpPort()).start();
                closeables.add(0, api);
                if (mode == Mode.API_ONLY) closeables.add(0, refreshQueueGauges(db, metrics, clock, cfg.workerDeadAfter().toMillis() / 4));
            }
            if (dispatcher != null) {
                dispatcher.start();
                db.listenForWork(dispatcher::wake);
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /**
     * An API node has no dispatcher to keep the queue gauges on /metrics current, so it reads them itself
     * (every {@code periodMillis}, as often as a worker would).
     */
    private static AutoCloseable refreshQueueGauges(Database db, Metrics metrics, Clock clock, long periodMillis) {
        java.util.concurrent.ScheduledExecutorService timer = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(
                r -> Thread.ofPlatform().name("herald-queue-gauges").daemon(true).unstarted(r));
        timer.scheduleWithFixedDelay(() -> {
            try {
                long now = clock.millis();
                QueueStats q = db.read(h -> QueueStats.read(h, now));
                metrics.queue(q.depth(), q.oldestDueAgeMillis());
            } catch (RuntimeException e) {
                log.debug("could not read the queue gauges: {}", e.getMessage());
            }
        }, 0, periodMillis, java.util.concurrent.TimeUnit.MILLISECONDS);
        return timer::shutdownNow;
    }

    public static Herald start(HeraldConfig cfg, Mode mode) {
        return new Herald(cfg, mode, HostResolver.SYSTEM, Clock.systemUTC());
    }

    /** For tests: an injected resolver and clock. */
    public static Herald start(HeraldConfig cfg, Mode mode, HostResolver resolver, Clock clock) {
        return new Herald(cfg, mode, resolver, clock);
    }

    public int port() {
        return api == null ? -1 : api.port();
    }

    /** Named connections (their details in clear are for Herald's own use). */
    public ConnectionService connections() {
        return connections;
    }

    public Database database() {
        return db;
    }

    /** The email channel (SMTP connections, for tests and the benchmark). */
    public EmailChannel email() {
        return email;
    }

    private static void logEmail(EmailSettings m) {
        if (!m.enabled()) {
            log.info("email is off (NOTIFICATION_TRANSPORT=disabled)");
            return;
        }
        log.info("email: SMTP relay {}:{}, tls {}, {}, from {}, up to {} connections", m.host(), m.port(),
                m.tls().name().toLowerCase(java.util.Locale.ROOT), m.hasAuth() ? "AUTH as " + m.username() : "no AUTH", m.from(), m.connections());
        if (m.hasAuth() && m.tls() == EmailSettings.Tls.NONE) {
            log.warn("NOTIFICATION_SMTP_TLS=none with NOTIFICATION_SMTP_USERNAME: the SMTP password crosses the network in clear; use starttls or tls");
        }
    }

    private static void logRelaxedPolicy(HeraldConfig cfg) {
        HeraldConfig.OutboundSettings o = cfg.outbound();
        if (o.allowHttp()) log.warn("SECURITY_OUTBOUND_ALLOW_HTTP=true: plain http:// targets are allowed");
        if (o.allowPrivateNetworks()) log.warn("SECURITY_OUTBOUND_ALLOW_PRIVATE_NETWORKS=true: private, loopback and link-local targets are allowed");
        if (o.caFile() != null) log.warn("SECURITY_OUTBOUND_CA_FILE adds the CA certificates in {} to the trusted ones for outbound HTTPS", o.caFile());
        if (!o.allowedHosts().isEmpty()) log.warn("SECURITY_OUTBOUND_ALLOWED_HOSTS lets these through the private-address rule: {}", o.allowedHosts());
    }

    @Override
    public void close() {
        for (AutoCloseable c : closeables) {
            try {
                c.close();
            } catch (Exception e) {
                log.warn("error while stopping {}: {}", c.getClass().getSimpleName(), e.getMessage());
            }
        }
        closeables.clear();
    }
}
