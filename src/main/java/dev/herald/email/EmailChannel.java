package dev.herald.email;

import dev.herald.config.EmailSettings;
import dev.herald.delivery.AttemptOutcome;
import dev.herald.delivery.Channel;
import dev.herald.delivery.Claim;
import dev.herald.delivery.Message;
import dev.herald.delivery.Retention;
import dev.herald.delivery.Targets;
import dev.herald.store.Database;
import dev.herald.store.Sql;
import jakarta.mail.Address;
import jakarta.mail.MessagingException;
import jakarta.mail.internet.InternetAddress;
import java.io.ByteArrayInputStream;
import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import org.eclipse.angus.mail.smtp.SMTPMessage;
import org.eclipse.angus.mail.smtp.SMTPTransport;
import org.jdbi.v3.core.Handle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Email as a delivery channel: one delivery per recipient, all aimed at one target, the SMTP relay
 * ({@value #TARGET}), so the dispatcher's per-target limit bounds the attempts in flight to it and the
 * queue's pause and resume apply to it as a whole. Each attempt sends the message's stored MIME bytes
 * unchanged (MAIL FROM the configured sender, RCPT TO the delivery's recipient) over a pooled connection.
 *
 * <p>Sends run on {@code NOTIFICATION_SMTP_CONNECTIONS} platform threads, one per connection: Jakarta
 * Mail blocks inside {@code synchronized} methods, which on JDK 21 would pin the carrier threads of
 * virtual threads (and so starve the API) while waiting for the relay.
 *
 * <p>Hazard: an attempt is abandoned (recorded as a timeout, retried later) when it outlasts
 * {@code NOTIFICATION_SMTP_TIMEOUT}; if the relay accepted the message just then, the recipient gets it
 * twice. Delivery is at least once, as for webhooks. The timeout is at most 60s, so the lease (65s or
 * more) always outlasts an attempt.
 */
public final class EmailChannel implements Channel, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EmailChannel.class);
    public static final String NAME = "email";
    /** The target of every email delivery: the one configured relay. */
    public static final String TARGET = "smtp";
    /** What retention removes with an email's deliveries (its recipients) and with its message (the email). */
    public static final List<Retention.Attached> ATTACHED = List.of(
            new Retention.Attached("email_recipients", "delivery_id", Retention.Attached.Owner.DELIVERY),
            new Retention.Attached("emails", "id", Retention.Attached.Owner.MESSAGE));

    /** What an attempt needs besides the bytes. */
    private record Envelope(String from, String recipient) {}

    private final Database db;
    private final EmailSettings settings;
    private final Clock clock;
    private final SmtpConnections connections;
    private final ExecutorService senders;
    private final Map<String, Envelope> envelopes = new ConcurrentHashMap<>();

    public EmailChannel(Database db, EmailSettings settings, SSLContext tls, Clock clock) {
        this.db = db;
        this.settings = settings;
        this.clock = clock;
        this.connections = settings.enabled() ? new SmtpConnections(settings, tls) : null;
        this.senders = Executors.newFixedThreadPool(settings.connections(), Thread.ofPlatform().name("herald-smtp-", 0).daemon(true).factory());
    }

    @Override
    public String name() {
        return NAME;
    }

    /** Connections opened to the relay so far. */
    public long connectionsOpened() {
        return connections == null ? 0 : connections.opened();
    }

    /**
     * Applies the transport setting to work already queued: with SMTP off, waiting emails are paused
     * (kept); with it on, paused ones are resumed. Called once at start, before the dispatcher runs.
     */
    public void applyTransportSetting() {
        long now = clock.millis();
        int n = db.writer().execute(h -> settings.enabled() ? Targets.resume(h, TARGET, now) : Targets.pause(h, TARGET, now));
        if (n > 0) log.info("{} {} queued email deliveries (NOTIFICATION_TRANSPORT={})", settings.enabled() ? "resumed" : "paused", n,
                settings.transport().name().toLowerCase(java.util.Locale.ROOT));
    }

    @Override
    public void prepare(Collection<Claim> claims) {
        List<String> ids = claims.stream().map(Claim::id).filter(id -> !envelopes.containsKey(id)).toList();
        if (ids.isEmpty()) return;
        db.read(h -> h.createQuery("SELECT r.delivery_id, r.address, e.envelope_from FROM email_recipients r JOIN emails e ON e.id = r.email_id "
                        + "WHERE r.delivery_id IN (" + Sql.idsIn(h, ":ids") + ")").bind("ids", Sql.jsonArray(ids))
                .map((rs, ctx) -> envelopes.put(rs.getString("delivery_id"), new Envelope(rs.getString("envelope_from"), rs.getString("address"))))
                .list());
    }

    @Override
    public List<Duration> retrySchedule(String targetId) {
        return settings.retrySchedule();
    }

    @Override
    public CompletableFuture<AttemptOutcome> attempt(Claim claim, Message message) {
        Envelope env = envelopes.remove(claim.id());
        if (env == null) return CompletableFuture.completedFuture(SmtpOutcomes.failure("internal", null, "email recipient not found", null, 0, true));
        if (connections == null) {
            return CompletableFuture.completedFuture(SmtpOutcomes.failure("internal", null, "email is turned off (NOTIFICATION_TRANSPORT=disabled)",
                    null, 0, false));
        }
        long timeoutMs = settings.timeout().toMillis();
        long start = System.nanoTime();
        long deadline = start + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        CompletableFuture<AttemptOutcome> f = new CompletableFuture<>();
        try {
            senders.execute(() -> f.complete(send(env, message.body(), start, deadline)));
        } catch (java.util.concurrent.RejectedExecutionException e) {
            f.complete(SmtpOutcomes.failure("internal", null, "shutting down", null, 0, false));
        }
        return f.completeOnTimeout(SmtpOutcomes.timeout(timeoutMs), timeoutMs, TimeUnit.MILLISECONDS);
    }

    private AttemptOutcome send(Envelope env, byte[] mime, long start, long deadline) {
        SmtpConnections.Connection c = null;
        boolean healthy = false;
        try {
            c = connections.borrow(deadline);
            SMTPMessage m = new SMTPMessage(connections.session(), new ByteArrayInputStream(mime));
            m.setEnvelopeFrom(env.from());
            c.transport.sendMessage(m, new Address[] {new InternetAddress(env.recipient(), false)});
            healthy = true;
            SMTPTransport t = (SMTPTransport) c.transport;
            return SmtpOutcomes.success(t.getLastReturnCode(), t.getLastServerResponse(), elapsed(start));
        } catch (MessagingException | java.util.concurrent.TimeoutException | RuntimeException e) {
            return SmtpOutcomes.of(e, elapsed(start));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return SmtpOutcomes.failure("internal", null, "interrupted", null, elapsed(start), false);
        } finally {
            if (c != null) connections.release(c, healthy);
        }
    }

    private static long elapsed(long start) {
        return (System.nanoTime() - start) / 1_000_000;
    }

    /** Each delivery's recipient. */
    @Override
    public Map<String, Map<String, String>> details(Handle h, Collection<String> deliveryIds) {
        Map<String, Map<String, String>> out = new HashMap<>();
        if (deliveryIds.isEmpty()) return out;
        h.createQuery("SELECT delivery_id, address FROM email_recipients WHERE delivery_id IN (" + Sql.idsIn(h, ":ids") + ")")
                .bind("ids", Sql.jsonArray(deliveryIds))
                .map((rs, ctx) -> {
                    String id = rs.getString("delivery_id");
                    out.put(id, Map.of("recipient", rs.getString("address")));
                    return id;
                }).list();
        return out;
    }

    /** An email delivery is shown as its email (the message), its template and its recipient. */
    @Override
    public void describe(ObjectNode view, View v) {
        view.put("email_id", v.messageId());
        view.put("template", v.messageType());
        view.put("channel", v.channel());
        view.put("recipient", v.details().get("recipient"));
    }

    @Override
    public Map<String, TargetState> targetStates(Handle h, Collection<String> targetIds) {
        Map<String, TargetState> out = new HashMap<>();
        for (String t : targetIds) {
            if (TARGET.equals(t)) out.put(t, settings.enabled() ? TargetState.ACTIVE : TargetState.PAUSED);
        }
        return out;
    }

    @Override
    public Runnable onOutcomes(Handle h, List<Result> results) {
        return null;
    }

    @Override
    public void close() {
        senders.shutdown();
        try {
            senders.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (connections != null) connections.close();
    }
}
