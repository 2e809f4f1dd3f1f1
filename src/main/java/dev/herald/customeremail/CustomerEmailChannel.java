package dev.herald.customeremail;

import dev.herald.connections.ConnectionDetails;
import dev.herald.connections.ConnectionService;
import dev.herald.delivery.Claim;
import dev.herald.delivery.Message;
import dev.herald.delivery.Targets;
import dev.herald.httpdelivery.HttpChannel;
import dev.herald.outbound.Authenticator;
import dev.herald.outbound.OutboundClient;
import dev.herald.outbound.OutboundRequest;
import dev.herald.signing.SignatureScheme;
import dev.herald.signing.Signers;
import dev.herald.signing.WebhookSecret;
import dev.herald.store.Database;
import dev.herald.util.Hashes;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jdbi.v3.core.Handle;

/**
 * Approved customer emails as a delivery channel: the message is the approval artifact, the target the
 * {@code email_webhook} connection. Each attempt first checks the bytes against the SHA-256 frozen at
 * drafting and the connection's destination against the one the approval was given for, then POSTs them
 * with the connection's auth, headers, signature, timeout and response cap.
 *
 * <p>Hazard: nothing may re-serialize the payload between drafting and sending; the bytes that were
 * reviewed are the bytes that are signed and sent, and the hash check refuses anything else. Likewise
 * the destination is checked on the very details the attempt then uses (loaded once per batch), so a
 * connection changed after the approval, even while the delivery waits for a retry, never receives it:
 * the attempt is refused and the draft goes back to review ({@link #onOutcomes}).
 */
public final class CustomerEmailChannel extends HttpChannel<ConnectionDetails.EmailWebhook> {
    public static final String NAME = "customer_email";

    private final Database db;
    private final ConnectionService connections;
    private final Clock clock;
    private final Map<String, CustomerEmail> drafts = new ConcurrentHashMap<>();
    /** Drafts whose attempt was refused because the destination changed after approval: message id to (draft id, reason). */
    private final Map<String, String[]> superseded = new ConcurrentHashMap<>();

    public CustomerEmailChannel(Database db, Authenticator authenticator, ConnectionService connections, Clock clock) {
        super(authenticator, clock);
        this.db = db;
        this.connections = connections;
        this.clock = clock;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    protected String goneMessage() {
        return "the email_webhook connection is gone";
    }

    @Override
    protected Map<String, ConnectionDetails.EmailWebhook> load(Collection<Claim> claims) {
        Map<String, ConnectionDetails.EmailWebhook> out = new HashMap<>();
        db.read(h -> {
            for (Claim c : claims) {
                connections.openById(h, c.targetId()).ifPresent(o -> {
                    if (o.details() instanceof ConnectionDetails.EmailWebhook e) out.put(c.targetId(), e);
                });
                CustomerEmailRepository.byMessage(h, c.messageId()).ifPresent(e -> drafts.put(c.messageId(), e));
            }
            return null;
        });
        return out;
    }

    @Override
    protected Request request(ConnectionDetails.EmailWebhook target, Claim claim, Message message) {
        CustomerEmail draft = drafts.remove(claim.messageId());
        if (draft == null) throw new Refused("no customer email carries this message");
        if (!Hashes.sha256Hex(message.body()).equals(draft.payloadSha256())) {
            throw new Refused("the payload no longer matches the SHA-256 of the approved artifact; not sent");
        }
        String destination = connections.destination(claim.targetId(), target).sha256();
        if (!destination.equals(draft.approvalDestinationSha256())) {
            String reason = CustomerEmailService.changedReason(draft.connectionName(), draft.approvalDestinationSha256(), destination);
            superseded.put(claim.messageId(), new String[] {draft.id(), reason});
            throw new Refused(reason + "; not sent, the draft is back in review");
        }
        // The connection's headers are sealed with it (they may carry credentials): only Herald's are recorded in clear.
        return new Request(request(target, draft, message.body()), target.auth(), java.util.Set.of("Content-Type", "Idempotency-Key"));
    }

    /** The POST to the connection's base_url: its headers, then Herald's, then the signature when a signing secret is set. */
    static OutboundRequest request(ConnectionDetails.EmailWebhook target, CustomerEmail draft, byte[] body) {
        Map<String, String> headers = new LinkedHashMap<>(target.headers());
        String contentType = "application/json";
        for (Map.Entry<String, String> h : target.headers().entrySet()) {
            if (h.getKey().equalsIgnoreCase("Content-Type")) contentType = h.getValue();
        }
        headers.put("Idempotency-Key", draft.id());
        if (target.webhookSigningSecret() != null) {
            // seed 000's X-Webhook-Signature: sha256=<hex HMAC-SHA256(secret as UTF-8, raw body)>, the registry's sha256-hex scheme
            SignatureScheme.Keys keys = new SignatureScheme.Keys(new WebhookSecret(target.webhookSigningSecret(), null), null);
            headers.putAll(Signers.get(Signers.DEFAULT).sign(new SignatureScheme.Input(draft.id(), 0, body, keys, "X-Webhook-Signature")));
        }
        return new OutboundRequest("POST", URI.create(target.baseUrl()), headers, body, contentType, Duration.ofSeconds(target.timeoutSeconds()),
                target.maxResponseSizeBytes(), OutboundClient.CAPTURE_BYTES);
    }

    @Override
    public List<Duration> retrySchedule(String targetId) {
        return Targets.DEFAULT_SCHEDULE;
    }

    @Override
    public Map<String, TargetState> targetStates(Handle h, Collection<String> targetIds) {
        return connections.targetStates(h, targetIds);
    }

    @Override
    public Runnable onOutcomes(Handle h, List<Result> results) {
        long now = clock.millis();
        for (Result r : results) {
            String[] stale = superseded.remove(r.claim().messageId());
            if (stale != null && !r.outcome().success()) {
                CustomerEmailRepository.supersede(h, stale[0], r.claim().messageId(), stale[1] + " (delivery " + r.claim().id() + " refused)", now);
            }
            if (r.outcome().success()) CustomerEmailRepository.markSent(h, r.claim().messageId(), now);
            else if (r.deadLettered()) CustomerEmailRepository.markFailed(h, r.claim().messageId(), now);
        }
        return null;
    }
}
