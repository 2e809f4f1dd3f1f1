package dev.herald.customeremail;

import dev.herald.connections.ConnectionDetails;
import dev.herald.connections.ConnectionService;
import dev.herald.delivery.AttemptOutcome;
import dev.herald.delivery.Channel;
import dev.herald.delivery.Claim;
import dev.herald.delivery.HttpAttempts;
import dev.herald.delivery.Message;
import dev.herald.outbound.Authenticator;
import dev.herald.outbound.ErrorKind;
import dev.herald.outbound.OutboundClient;
import dev.herald.outbound.OutboundRequest;
import dev.herald.store.Database;
import dev.herald.webhooks.Webhook;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.jdbi.v3.core.Handle;

/**
 * Approved customer emails as a delivery channel: the message is the approval artifact, the target the
 * {@code email_webhook} connection. Each attempt first checks the bytes against the SHA-256 frozen at
 * drafting, then POSTs them with the connection's auth, headers, signature, timeout and response cap.
 *
 * <p>Hazard: nothing may re-serialize the payload between drafting and sending; the bytes that were
 * reviewed are the bytes that are signed and sent, and the hash check refuses anything else.
 */
public final class CustomerEmailChannel implements Channel {
    public static final String NAME = "customer_email";

    private final Database db;
    private final Authenticator authenticator;
    private final ConnectionService connections;
    private final Clock clock;
    private final Map<String, ConnectionDetails.EmailWebhook> targets = new ConcurrentHashMap<>();
    private final Map<String, CustomerEmail> drafts = new ConcurrentHashMap<>();

    public CustomerEmailChannel(Database db, Authenticator authenticator, ConnectionService connections, Clock clock) {
        this.db = db;
        this.authenticator = authenticator;
        this.connections = connections;
        this.clock = clock;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public void prepare(Collection<Claim> claims) {
        db.read(h -> {
            for (Claim c : claims) {
                connections.openById(h, c.targetId()).ifPresent(o -> {
                    if (o.details() instanceof ConnectionDetails.EmailWebhook e) targets.put(c.targetId(), e);
                });
                CustomerEmailRepository.byMessage(h, c.messageId()).ifPresent(e -> drafts.put(c.messageId(), e));
            }
            return null;
        });
    }

    @Override
    public CompletableFuture<AttemptOutcome> attempt(Claim claim, Message message) {
        ConnectionDetails.EmailWebhook target = targets.get(claim.targetId());
        CustomerEmail draft = drafts.remove(claim.messageId());
        if (target == null) return done(HttpAttempts.failure(ErrorKind.INTERNAL, "the email_webhook connection is gone", 0, true));
        if (draft == null) return done(HttpAttempts.failure(ErrorKind.INTERNAL, "no customer email carries this message", 0, true));
        if (!Artifacts.sha256(message.body()).equals(draft.payloadSha256())) {
            return done(HttpAttempts.failure(ErrorKind.INTERNAL, "the payload no longer matches the SHA-256 of the approved artifact; not sent", 0, true));
        }
        long start = System.nanoTime();
        return authenticator.send(request(target, draft, message.body()), target.auth())
                .handle((resp, err) -> HttpAttempts.outcome(resp, err, (System.nanoTime() - start) / 1_000_000, clock));
    }

    /** The POST to the connection's base_url: its headers, then Herald's, then the signature when a signing secret is set. */
    static OutboundRequest request(ConnectionDetails.EmailWebhook target, CustomerEmail draft, byte[] body) {
        Map<String, String> headers = new LinkedHashMap<>(target.headers());
        String contentType = "application/json";
        for (Map.Entry<String, String> h : target.headers().entrySet()) {
            if (h.getKey().equalsIgnoreCase("Content-Type")) contentType = h.getValue();
        }
        headers.put("Idempotency-Key", draft.id());
        if (target.webhookSigningSecret() != null) headers.put("X-Webhook-Signature", Artifacts.signature(target.webhookSigningSecret(), body));
        return new OutboundRequest("POST", URI.create(target.baseUrl()), headers, body, contentType, Duration.ofSeconds(target.timeoutSeconds()),
                target.maxResponseSizeBytes(), OutboundClient.CAPTURE_BYTES);
    }

    private static CompletableFuture<AttemptOutcome> done(AttemptOutcome o) {
        return CompletableFuture.completedFuture(o);
    }

    @Override
    public List<Duration> retrySchedule(String targetId) {
        return Webhook.DEFAULT_SCHEDULE;
    }

    @Override
    public Map<String, TargetState> targetStates(Handle h, Collection<String> targetIds) {
        return connections.targetStates(h, targetIds);
    }

    @Override
    public Runnable onOutcomes(Handle h, List<Result> results) {
        long now = clock.millis();
        for (Result r : results) {
            if (r.outcome().success()) CustomerEmailRepository.markSent(h, r.claim().messageId(), now);
            else if (r.deadLettered()) CustomerEmailRepository.markFailed(h, r.claim().messageId(), now);
        }
        return null;
    }
}
