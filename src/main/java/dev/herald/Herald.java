package dev.herald;

import dev.herald.api.ApiServer;
import dev.herald.config.EmailSettings;
import dev.herald.config.HeraldConfig;
import dev.herald.connections.ConnectionService;
import dev.herald.connections.SlackChannel;
import dev.herald.customeremail.CustomerEmailChannel;
import dev.herald.customeremail.CustomerEmailService;
import dev.herald.delivery.Activity;
import dev.herald.delivery.Channel;
import dev.herald.delivery.DeliveryService;
import dev.herald.delivery.Dispatcher;
import dev.herald.delivery.Ingress;
import dev.herald.delivery.Retention;
import dev.herald.delivery.RetryPolicy;
import dev.herald.email.AdminNotices;
import dev.herald.email.EmailChannel;
import dev.herald.email.EmailService;
import dev.herald.email.TemplateService;
import dev.herald.inbound.InboundService;
import dev.herald.inbound.InboundSources;
import dev.herald.inbound.SnsClient;
import dev.herald.mail.AttachmentUrls;
import dev.herald.mail.Endpoints;
import dev.herald.mail.MailDomains;
import dev.herald.mail.MailEndpointChannel;
import dev.herald.mail.MailIntake;
import dev.herald.mail.MailMemory;
import dev.herald.mail.MailMessages;
import dev.herald.mail.Routes;
import dev.herald.mail.SmtpListener;
import dev.herald.metrics.Metrics;
import dev.herald.outbound.Authenticator;
import dev.herald.outbound.HostResolver;
import dev.herald.outbound.OutboundClient;
import dev.herald.outbound.OutboundPolicy;
import dev.herald.projects.ApiKeys;
import dev.herald.signing.KeyCheck;
import dev.herald.signing.MasterKey;
import dev.herald.signing.SecretBox;
import dev.herald.store.Database;
import dev.herald.store.Dialect;
import dev.herald.ui.Console;
import dev.herald.ui.ReviewPages;
import dev.herald.ui.ReviewSessions;
import dev.herald.util.TrustAnchors;
import dev.herald.webhooks.EventService;
import dev.herald.webhooks.Subscriptions;
import dev.herald.webhooks.WebhookChannel;
import dev.herald.webhooks.WebhookService;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The composition root: builds one Herald process from its settings and runs it. The constructor only
 * wires components (it starts no thread and opens no port, except the database, which the key check
 * needs); {@link #start} then starts the components in list order and {@link #close} stops them in
 * reverse, so the dispatcher stops before the outbound client and the database it uses. Time and DNS
 * come in from outside ({@link Clock}, {@link HostResolver}) so tests can drive them, and the root owns
 * the threads that run periodic work and hands them to the components (a component never makes its own
 * timer; a test drives one by calling it, as the dispatcher's tests do).
 *
 * <p>Where things go: a new way in (provider callbacks, inbound mail) enqueues through the one
 * {@link Ingress}; a new way out is a {@link Channel} added to {@code channels} below; its routes are
 * added to the API in {@code api/}.
 */
public final class Herald implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Herald.class);

    /** Which parts run in this process. */
    public enum Mode { ALL, API_ONLY, WORKER_ONLY }

    /** A part with a lifecycle: started in list order, stopped in reverse. */
    private record Component(String name, Runnable start, AutoCloseable stop) {}

    private final List<Component> components = new ArrayList<>();
    private final Database db;
    private final ConnectionService connections;
    private final EmailChannel email;
    private ApiServer api;
    private Dispatcher dispatcher;
    private SmtpListener smtp;
    /** HERALD_PUBLIC_URL or, when that is unset, the URL of the port the API bound (set once it has). */
    private volatile String publicUrl;

    private Herald(HeraldConfig cfg, Mode mode, HostResolver resolver, Clock clock) {
        logRelaxedPolicy(cfg);
        this.db = Database.open(cfg);
        add("database", null, db);
        // The periodic work (heartbeats and lease recovery, retention, API nodes' queue gauges) shares these threads.
        ScheduledExecutorService timers = Executors.newScheduledThreadPool(2, Thread.ofPlatform().name("herald-timer-", 0).daemon(true).factory());
        add("timers", null, timers::shutdownNow);
        try {
            SecretBox secrets = new SecretBox(MasterKey.load(cfg));
            KeyCheck.verify(db, secrets);
            Metrics metrics = new Metrics();
            add("metrics", null, metrics);
            db.publishPoolMetrics(metrics.registry());
            OutboundPolicy policy = new OutboundPolicy(cfg.outbound());
            OutboundClient outbound = new OutboundClient(policy, resolver, cfg.maxResponseSizeBytes(), cfg.perWebhookConcurrency());
            add("outbound client", null, outbound);
            Dispatcher[] dispatcher = new Dispatcher[1];
            // New work wakes this process's dispatcher at once and, on PostgreSQL, every other node's (NOTIFY).
            Ingress ingress = new Ingress(db, clock, cfg.idempotencyTtl(), () -> {
                if (dispatcher[0] != null) dispatcher[0].wake();
                db.announceWork();
            });

            Subscriptions subscriptions = new Subscriptions();
            EventService events = new EventService(ingress, subscriptions, clock);
            Authenticator authenticator = new Authenticator(outbound, clock);
            this.connections = new ConnectionService(db, policy, secrets, authenticator, clock);
            EmailSettings mail = cfg.email();
            logEmail(mail);
            EmailService emails = new EmailService(db, ingress, mail, clock);
            AdminNotices notices = new AdminNotices(emails, mail.adminEmails());
            WebhookChannel webhooks = new WebhookChannel(db, ingress, authenticator, secrets, events, subscriptions, clock, metrics,
                    cfg.disableAfterFailures(), (q, w, reason) -> notices.webhookDisabled(q, new AdminNotices.DisabledWebhook(w.projectId(), w.id(), w.url()), reason));
            this.email = new EmailChannel(db, mail, mail.tls() == EmailSettings.Tls.NONE ? null : TrustAnchors.clientContext(cfg.outbound().caFile()), clock);
            add("email channel", null, email);
            ApiKeys keys = new ApiKeys(db, clock);
            this.publicUrl = cfg.publicUrl() != null ? cfg.publicUrl() : localUrl(cfg.httpHost(), cfg.httpPort());
            CustomerEmailService customerEmails = new CustomerEmailService(db, ingress, connections, keys, clock, () -> publicUrl);
            InboundSources inboundSources = new InboundSources(db, secrets, clock, () -> publicUrl, cfg.inbound().tolerance(),
                    new SnsClient(outbound, cfg.inbound().snsCertificateHosts()));
            InboundService inbound = new InboundService(inboundSources, db, ingress, events::publishInternal, emails::byMessageId, clock, metrics,
                    cfg.inbound().requestRetention());
            MailDomains mailDomains = new MailDomains(db, clock);
            Endpoints mailEndpoints = new Endpoints(db, policy, resolver, secrets, clock, cfg.secretRotationGrace());
            Routes mailRoutes = new Routes(db, clock);
            MailMemory mailMemory = MailMemory.ofHeap();
            MailIntake mailIntake = new MailIntake(db, ingress, mailDomains, mailRoutes, events::publishInternal, emails::byMessageId, metrics, clock);
            List<Channel> channels = List.of(webhooks, email, new CustomerEmailChannel(db, authenticator, connections, clock),
                    new SlackChannel(db, authenticator, connections, clock, customerEmails::onSlackResults),
                    new MailEndpointChannel(db, authenticator, mailEndpoints, clock));
            DeliveryService deliveries = new DeliveryService(db, channels, clock, ingress);
            MailMessages mailMessages = new MailMessages(db, deliveries, metrics, clock, cfg.mail().retention());

            if (mode != Mode.API_ONLY) {
                dispatcher[0] = new Dispatcher(db, channels, new RetryPolicy(cfg.retryAfterMax(), new SecureRandom()),
                        new Dispatcher.Settings(cfg.deliveryConcurrency(), cfg.perWebhookConcurrency(), cfg.deliveryLease(),
                                cfg.pollInterval(), cfg.deliveryBatchSize(), cfg.workerDeadAfter()), clock, metrics);
                Dispatcher d = dispatcher[0];
                this.dispatcher = d;
                // On SQLite this is the only worker: new deliveries with a free slot go straight to it, not through a claim.
                if (db.dialect() == Dialect.SQLITE) ingress.handOffTo(d);
                add("dispatcher", () -> {
                    email.applyTransportSetting();
                    d.start(timers);
                    db.listenForWork(d::wake);
                }, d);
                List<Retention.Attached> attached = new ArrayList<>(EmailChannel.ATTACHED);
                attached.add(new Retention.Attached("mail_deliveries", "id", Retention.Attached.Owner.MESSAGE));
                Retention retention = new Retention(db, clock, cfg.retention(), cfg.idempotencyTtl(), attached);
                add("retention", () -> retention.start(timers), retention);
                ScheduledFuture<?>[] pruning = new ScheduledFuture<?>[1];
                ScheduledFuture<?>[] mailPruning = new ScheduledFuture<?>[1];
                add("mail retention", () -> mailPruning[0] = timers.scheduleWithFixedDelay(mailMessages::prune, 0, 10, TimeUnit.MINUTES),
                        () -> {
                            if (mailPruning[0] != null) mailPruning[0].cancel(false);
                        });
                add("inbound request retention", () -> pruning[0] = timers.scheduleWithFixedDelay(inbound::prune, 1, 10, TimeUnit.MINUTES),
                        () -> {
                            if (pruning[0] != null) pruning[0].cancel(false);
                        });
            }
            if (mode == Mode.WORKER_ONLY) {
                // A worker answers only /healthz, /readyz and /metrics, and only when given a port.
                if (cfg.workerHttpPort() >= 0) {
                    ApiServer ops = ApiServer.opsOnly(db, metrics, cfg.httpHost(), cfg.workerHttpPort());
                    add("operations endpoints", () -> api = ops.start(), ops);
                }
            } else {
                ApiServer.Services s = new ApiServer.Services(db, keys,
                        new WebhookService(db, subscriptions, policy, secrets, clock, cfg.secretRotationGrace(), (int) cfg.defaultWebhookTimeout().toSeconds(), events, ingress),
                        events, deliveries, connections, customerEmails,
                        metrics, cfg.maxEventSizeBytes(), emails, new TemplateService(db, clock), inboundSources, inbound, cfg.inbound().maxBodyBytes(),
                        new ApiServer.Mail(mailDomains, mailEndpoints, mailRoutes, mailIntake, mailMessages,
                                new AttachmentUrls(secrets, clock, cfg.mail().attachmentUrlTtl(), () -> publicUrl), cfg.mail().maxMessageBytes(), mailMemory));
                boolean https = publicUrl.startsWith("https:");
                ReviewPages review = new ReviewPages(customerEmails, new ReviewSessions(db, keys, clock, https));
                Console console = new Console(new Console.Services(s.webhooks(), deliveries, new Activity(db, clock), keys, emails, inboundSources, inbound,
                        mailDomains, mailEndpoints, mailRoutes, mailMessages, mailIntake), ReviewSessions.console(db, keys, clock, https), Console.API_DOCS);
                ApiServer server = new ApiServer(s, cfg.httpHost(), cfg.httpPort(), List.of(review::register, console::register));
                add("API", () -> {
                    api = server.start();
                    if (cfg.publicUrl() == null) publicUrl = localUrl(cfg.httpHost(), api.port());
                }, server);
                if (mode == Mode.API_ONLY) {
                    QueueGauges gauges = new QueueGauges(db, metrics, clock, cfg.workerDeadAfter().toMillis() / 4);
                    add("queue gauges", () -> gauges.start(timers), gauges);
                }
            }
            HeraldConfig.MailSettings ms = cfg.mail();
            if (ms.smtpEnabled() && (mode != Mode.WORKER_ONLY || ms.smtpInWorkers())) {
                SmtpListener listener = new SmtpListener(ms, mailIntake, mailMemory, metrics);
                add("SMTP listener", () -> {
                    listener.start();
                    smtp = listener;
                }, listener);
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    private void add(String name, Runnable start, AutoCloseable stop) {
        components.add(new Component(name, start, stop));
    }

    /** Starts the components in order; if one fails, stops those already started and rethrows. */
    private Herald start() {
        try {
            for (Component c : components) {
                if (c.start() != null) c.start().run();
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        return this;
    }

    public static Herald start(HeraldConfig cfg, Mode mode) {
        return start(cfg, mode, HostResolver.SYSTEM, Clock.systemUTC());
    }

    /** For tests: an injected resolver and clock. */
    public static Herald start(HeraldConfig cfg, Mode mode, HostResolver resolver, Clock clock) {
        return new Herald(cfg, mode, resolver, clock).start();
    }

    public int port() {
        return api == null ? -1 : api.port();
    }

    /** Every HTTP route the server answers, as {@code "METHOD /path"} (none before it serves). */
    public List<String> routes() {
        return api == null ? List.of() : api.routes();
    }

    /** Where people reach this Herald: HERALD_PUBLIC_URL, or http://HOST:PORT of the port the API bound. */
    public String publicUrl() {
        return publicUrl;
    }

    /** The port the SMTP listener bound, or -1 when this process runs none. */
    public int smtpPort() {
        return smtp == null ? -1 : smtp.port();
    }

    /** Attempts this process's dispatcher has under way (0 without a dispatcher). */
    public int inFlight() {
        return dispatcher == null ? 0 : dispatcher.inFlight();
    }

    /** The default public URL: the bound port on the configured interface, or on localhost when that is every interface. */
    static String localUrl(String host, int port) {
        String h = host == null || host.isBlank() || host.equals("0.0.0.0") || host.equals("::") || host.equals("[::]") ? "localhost" : host;
        if (h.contains(":") && !h.startsWith("[")) h = "[" + h + "]";
        return "http://" + h + ":" + port;
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

    /** Stops every component in reverse order of start (one that never started only releases what it holds). */
    @Override
    public void close() {
        List<Component> stopping = new ArrayList<>(components);
        java.util.Collections.reverse(stopping);
        for (Component c : stopping) {
            try {
                c.stop().close();
            } catch (Exception e) {
                log.warn("error while stopping the {}: {}", c.name(), e.getMessage());
            }
        }
        components.clear();
    }
}
