package dev.herald.webhooks;

import dev.herald.delivery.AttemptOutcome;
import dev.herald.delivery.Channel;
import dev.herald.delivery.Claim;
import dev.herald.delivery.Ingress;
import dev.herald.delivery.Message;
import dev.herald.delivery.Targets;
import dev.herald.httpdelivery.HttpChannel;
import dev.herald.metrics.Metrics;
import dev.herald.outbound.Auth;
import dev.herald.outbound.AuthJson;
import dev.herald.outbound.Authenticator;
import dev.herald.outbound.OutboundRequest;
import dev.herald.signing.SecretBox;
import dev.herald.signing.SignatureScheme;
import dev.herald.signing.Signers;
import dev.herald.signing.WebhookSecret;
import dev.herald.store.Database;
import dev.herald.util.Json;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jdbi.v3.core.Handle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Event webhooks as a delivery channel: a signed JSON POST per attempt, through the one
 * {@link dev.herald.outbound.OutboundClient}. Counts failure streaks and disables a webhook after too many
 * dead letters or at once on {@code 410 Gone}, announcing it with a {@code webhook.disabled} event.
 */
public final class WebhookChannel extends HttpChannel<Webhook> {
    private static final Logger log = LoggerFactory.getLogger(WebhookChannel.class);
    public static final String NAME = "webhook";

    private final Database db;
    private final Ingress ingress;
    private final SecretBox secrets;
    private final EventService events;
    private final Subscriptions subscriptions;
    private final Clock clock;
    private final Metrics metrics;
    private final int disableAfter;
    private final Map<String, WebhookSecret> opened = new ConcurrentHashMap<>();
    private final Map<String, Auth> openedAuth = new ConcurrentHashMap<>();
    private final DisableListener onDisabled;

    /** @param onDisabled also told of each automatic disabling (the operators' email notice) */
    public WebhookChannel(Database db, Ingress ingress, Authenticator authenticator, SecretBox secrets, EventService events,
                          Subscriptions subscriptions, Clock clock, Metrics metrics, int disableAfter, DisableListener onDisabled) {
        super(authenticator, clock);
        this.db = db;
        this.ingress = ingress;
        this.secrets = secrets;
        this.events = events;
        this.subscriptions = subscriptions;
        this.clock = clock;
        this.metrics = metrics;
        this.disableAfter = disableAfter;
        this.onDisabled = onDisabled;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    protected String goneMessage() {
        return "webhook not found";
    }

    @Override
    protected Map<String, Webhook> load(Collection<Claim> claims) {
        Set<String> ids = new HashSet<>();
        for (Claim c : claims) ids.add(c.targetId());
        Map<String, Webhook> out = new HashMap<>();
        for (Webhook w : db.read(h -> WebhookRepository.findAll(h, List.copyOf(ids)))) out.put(w.id(), w);
        return out;
    }

    @Override
    public List<Duration> retrySchedule(String targetId) {
        Webhook w = target(targetId);
        return w == null ? Targets.DEFAULT_SCHEDULE : w.retrySchedule();
    }

    @Override
    protected Request request(Webhook w, Claim claim, Message message) {
        OutboundRequest request = request(w, claim.id(), message);
        Auth auth;
        try {
            auth = auth(w);
        } catch (RuntimeException e) {
            throw new IllegalStateException("auth settings cannot be read: " + e.getMessage(), e);
        }
        return new Request(request, auth, shown(w));
    }

    /** The headers whose values an attempt records: the webhook's own (stored in clear) and Herald's; not the signature's. */
    private static Set<String> shown(Webhook w) {
        Set<String> shown = new HashSet<>(w.headers().keySet());
        shown.addAll(List.of("Content-Type", "X-Webhook-Event", "X-Webhook-Delivery"));
        return shown;
    }

    OutboundRequest request(Webhook w, String deliveryId, Message m) {
        SignatureScheme scheme = Signers.get(w.signatureScheme());
        long now = clock.millis();
        WebhookSecret current = open(w.id(), w.secretSealed(), w.secretKid());
        WebhookSecret previous = w.previousSecretSealed() != null && w.previousSecretUntil() != null && w.previousSecretUntil() > now
                ? open(w.id(), w.previousSecretSealed(), w.previousSecretKid()) : null;
        String header = w.signatureHeader() != null ? w.signatureHeader() : scheme.defaultHeader();
        Map<String, String> headers = new LinkedHashMap<>(w.headers());
        headers.put("Content-Type", "application/json");
        headers.put("X-Webhook-Event", m.type());
        headers.put("X-Webhook-Delivery", deliveryId);
        headers.putAll(scheme.sign(new SignatureScheme.Input(deliveryId, now / 1000, m.body(), new SignatureScheme.Keys(current, previous), header)));
        return OutboundRequest.postJson(URI.create(w.url()), headers, m.body(), Duration.ofSeconds(w.timeoutSeconds()));
    }

    private Auth auth(Webhook w) {
        if (w.authSealed() == null) return null;
        return openedAuth.computeIfAbsent(w.authSealed(), s -> AuthJson.parse(Json.parse(secrets.open(s, Webhook.authContext(w.id())))));
    }

    private WebhookSecret open(String webhookId, String sealed, String kid) {
        return opened.computeIfAbsent(sealed, s -> new WebhookSecret(secrets.open(s, Webhook.secretContext(webhookId)), kid));
    }

    @Override
    public void describe(ObjectNode view, View v) {
        Channel.describeAsEvent(view, v);
        view.put("webhook_id", v.targetId());
    }

    @Override
    public Map<String, TargetState> targetStates(Handle h, Collection<String> targetIds) {
        return WebhookRepository.states(h, targetIds);
    }

    @Override
    public Runnable onOutcomes(Handle h, List<Result> results) {
        Set<String> succeeded = new HashSet<>();
        List<Runnable> after = new ArrayList<>();
        for (Result r : results) {
            String target = r.claim().targetId();
            AttemptOutcome o = r.outcome();
            if (o.success()) {
                succeeded.add(target);
                continue;
            }
            String reason = null;
            if (o.disableReason() != null) {
                reason = o.disableReason();
            } else if (r.deadLettered()) {
                succeeded.remove(target);
                int streak = WebhookRepository.incrementFailures(h, target).orElse(0);
                if (disableAfter > 0 && streak >= disableAfter) reason = streak + " consecutive deliveries failed";
            }
            if (reason != null) {
                Runnable done = disable(h, target, reason);
                if (done != null) after.add(done);
            }
        }
        // One statement resets every streak a success ended; rows already at 0 are not touched.
        WebhookRepository.resetFailures(h, succeeded);
        return after.isEmpty() ? null : () -> after.forEach(Runnable::run);
    }

    /** Disables the webhook, pauses its waiting deliveries and emits {@code webhook.disabled}; the returned task logs and counts it. */
    Runnable disable(Handle h, String webhookId, String reason) {
        Ingress.Queue q = ingress.within(h);
        long now = q.now();
        if (!WebhookRepository.disable(h, webhookId, reason, now)) return null;
        subscriptions.invalidateAll();
        Targets.pause(h, webhookId, now);
        Webhook w = WebhookRepository.findAny(h, webhookId).orElseThrow();
        ObjectNode data = Json.object();
        data.put("webhook_id", w.id());
        data.put("url", w.url());
        data.put("reason", reason);
        data.put("disabled_at", DateTimeFormatter.ISO_INSTANT.format(java.time.Instant.ofEpochMilli(now)));
        events.publishInternal(q, w.projectId(), "webhook.disabled", data);
        onDisabled.disabled(q, w, reason);
        return () -> {
            metrics.webhookDisabled();
            log.warn("webhook {} of project {} disabled: {} (url host {})", w.id(), w.projectId(), reason, URI.create(w.url()).getHost());
        };
    }
}
