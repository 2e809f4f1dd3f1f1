package dev.herald.webhooks;

import dev.herald.config.Durations;
import dev.herald.delivery.Ingress;
import dev.herald.delivery.Targets;
import dev.herald.outbound.Auth;
import dev.herald.outbound.AuthJson;
import dev.herald.outbound.HeaderInput;
import dev.herald.outbound.OutboundPolicy;
import dev.herald.outbound.PolicyDeniedException;
import dev.herald.signing.SecretBox;
import dev.herald.signing.SecretRotation;
import dev.herald.signing.SignatureScheme;
import dev.herald.signing.Signers;
import dev.herald.signing.WebhookSecret;
import dev.herald.store.Database;
import dev.herald.util.Ids;
import dev.herald.util.Json;
import dev.herald.util.JsonBody;
import dev.herald.util.Problem;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import tools.jackson.databind.node.ObjectNode;

/** Creates, changes, rotates and deletes webhook subscriptions; every field is validated here. */
public final class WebhookService {
    public static final Set<String> FIELDS = Set.of("url", "events", "description", "headers", "enabled", "retry_schedule", "timeout_seconds", "signature", "auth");
        /** Headers Herald sets itself, or that only the transport may set. Custom headers cannot use them. */
    private static final Set<String> RESERVED = Set.of("content-type", "content-length", "host", "user-agent", "transfer-encoding",
            "connection", "keep-alive", "te", "upgrade", "expect", "trailer", "proxy-connection", "authorization", "proxy-authorization",
            "x-webhook-event", "x-webhook-delivery", "x-webhook-signature", "webhook-id", "webhook-timestamp", "webhook-signature");
    private static final int MAX_SCHEDULE = 20;
    private static final Duration MIN_DELAY = Duration.ofSeconds(1);
    private static final Duration MAX_DELAY = Duration.ofDays(7);

    private final Database db;
    private final Subscriptions subscriptions;
    private final OutboundPolicy policy;
    private final SecretBox secrets;
    private final Clock clock;
    private final Duration defaultGrace;
    private final int defaultTimeoutSeconds;
    private final EventService events;
    private final Ingress ingress;

    /**
     * @param defaultTimeoutSeconds {@code timeout_seconds} of webhooks created without one (NOTIFICATION_HTTP_TIMEOUT)
     * @param events                sends test events ({@link #sendTest})
     */
    public WebhookService(Database db, Subscriptions subscriptions, OutboundPolicy policy, SecretBox secrets, Clock clock, Duration defaultGrace,
                          int defaultTimeoutSeconds, EventService events, Ingress ingress) {
        this.defaultTimeoutSeconds = defaultTimeoutSeconds;
        this.ingress = ingress;
        this.events = events;
        this.db = db;
        this.subscriptions = subscriptions;
        this.policy = policy;
        this.secrets = secrets;
        this.clock = clock;
        this.defaultGrace = defaultGrace;
    }

    /** A webhook and, right after creation or rotation, its secret in clear (shown once). */
    public record WithSecret(Webhook webhook, String secret) {}

    public List<Webhook> list(String projectId) {
        return db.read(h -> WebhookRepository.list(h, projectId));
    }

    public Webhook get(String projectId, String id) {
        if (!Ids.isUuid(id)) throw Problem.notFound("webhook");
        return db.read(h -> WebhookRepository.find(h, projectId, id)).orElseThrow(() -> Problem.notFound("webhook"));
    }

    public WithSecret create(String projectId, JsonBody in) {
        in.only(FIELDS);
        long now = clock.millis();
        String id = Ids.uuid7(now);
        String url = url(in.string("url", true));
        List<String> events = events(in.strings("events"), true);
        String[] sig = signature(in);
        Map<String, String> headers = headers(in.stringMap("headers"), sig[1]);
        String[] auth = auth(in, id, null, sig[1], headers);
        WebhookSecret secret = WebhookSecret.generate();
        Boolean enabled = in.bool("enabled");
        Webhook w = new Webhook(id, projectId, url, events, description(in), headers, enabled == null || enabled, null, null,
                schedule(in.strings("retry_schedule"), Targets.DEFAULT_SCHEDULE), timeout(in, defaultTimeoutSeconds),
                sig[0], sig[1], secrets.seal(secret.value(), Webhook.secretContext(id)), secret.kid(), null, null, null, 0, now, now,
                auth[0], auth[1]);
        db.writer().execute(h -> {
            WebhookRepository.insert(h, w);
            subscriptions.invalidate(projectId);
            return null;
        });
        return new WithSecret(w, secret.value());
    }

    public Webhook update(String projectId, String id, JsonBody in) {
        in.only(FIELDS);
        Webhook old = get(projectId, id);
        String url = in.has("url") ? url(in.string("url", true)) : old.url();
        List<String> events = in.has("events") ? events(in.strings("events"), true) : old.events();
        String scheme = old.signatureScheme();
        String header = old.signatureHeader();
        if (in.has("signature")) {
            String[] sig = signature(in);
            scheme = sig[0];
            header = sig[1];
        }
        Map<String, String> headers = in.has("headers") ? headers(in.stringMap("headers"), header) : old.headers();
        if (!in.has("headers")) headers(old.headers(), header); // a new signature header must not clash with existing custom headers
        String description = in.has("description") ? description(in) : old.description();
        List<Duration> schedule = in.has("retry_schedule") ? schedule(in.strings("retry_schedule"), Targets.DEFAULT_SCHEDULE) : old.retrySchedule();
        int timeout = in.has("timeout_seconds") ? timeout(in, old.timeoutSeconds()) : old.timeoutSeconds();
        String[] auth = in.has("auth") ? auth(in, old.id(), openAuth(old), header, headers) : new String[] {old.authSealed(), old.authView()};
        Boolean enabledIn = in.bool("enabled");
        boolean enabled = enabledIn == null ? old.enabled() : enabledIn;
        long now = clock.millis();
        boolean reenabled = enabled && !old.enabled();
        boolean disabled = !enabled && old.enabled();
        Webhook w = new Webhook(old.id(), projectId, url, events, description, headers, enabled,
                enabled ? null : (disabled ? "disabled by user" : old.disabledReason()), enabled ? null : (disabled ? Long.valueOf(now) : old.disabledAt()),
                schedule, timeout, scheme, header, old.secretSealed(), old.secretKid(), old.previousSecretSealed(), old.previousSecretKid(),
                old.previousSecretUntil(), reenabled ? 0 : old.consecutiveFailures(), old.createdAt(), now, auth[0], auth[1]);
        // Through the Ingress, so the deliveries a re-enabled webhook resumes wake the dispatchers after the commit.
        ingress.write(q -> {
            WebhookRepository.update(q.handle(), w);
            subscriptions.invalidate(projectId);
            if (reenabled) Targets.resume(q, w.id());
            if (disabled) Targets.pause(q.handle(), w.id(), now);
            return null;
        });
        return w;
    }

    /**
     * Issues a new secret. During {@code grace} the previous secret keeps signing (single-signature
     * schemes) or signs alongside the new one (standard-webhooks), so a receiver that installs the new
     * secret within the grace period never sees a failed verification.
     */
    public WithSecret rotate(String projectId, String id, JsonBody in) {
        Duration grace = SecretRotation.gracePeriod(in, defaultGrace);
        Webhook old = get(projectId, id);
        long now = clock.millis();
        WebhookSecret secret = WebhookSecret.generate();
        boolean keepPrevious = !grace.isZero();
        Webhook w = new Webhook(old.id(), projectId, old.url(), old.events(), old.description(), old.headers(), old.enabled(),
                old.disabledReason(), old.disabledAt(), old.retrySchedule(), old.timeoutSeconds(), old.signatureScheme(), old.signatureHeader(),
                secrets.seal(secret.value(), Webhook.secretContext(id)), secret.kid(),
                keepPrevious ? old.secretSealed() : null, keepPrevious ? old.secretKid() : null,
                keepPrevious ? Long.valueOf(now + grace.toMillis()) : null, old.consecutiveFailures(), old.createdAt(), now,
                old.authSealed(), old.authView());
        db.writer().execute(h -> {
            WebhookRepository.update(h, w);
            return null;
        });
        return new WithSecret(w, secret.value());
    }

    /** Sends a {@code webhook.test} event to this webhook only (see {@link EventService#sendTest}). */
    public EventService.TestSent sendTest(String projectId, String id) {
        return events.sendTest(projectId, id);
    }

    /** Deletes the subscription; its waiting deliveries are cancelled, its history stays readable. */
    public void delete(String projectId, String id) {
        if (!Ids.isUuid(id)) throw Problem.notFound("webhook");
        boolean deleted = db.writer().execute(h -> {
            long now = clock.millis();
            if (!WebhookRepository.markDeleted(h, projectId, id, now)) return false;
            subscriptions.invalidate(projectId);
            Targets.cancel(h, id, now);
            return true;
        });
        if (!deleted) throw Problem.notFound("webhook");
    }

    /**
     * The {@code auth} field as {sealed, redacted view}, both null when absent or null. Secrets omitted in a
     * change are kept from {@code previous} when the method stays the same.
     */
    private String[] auth(JsonBody in, String webhookId, Auth previous, String signatureHeader, Map<String, String> customHeaders) {
        JsonBody a = in.object("auth", Set.copyOf(Auth.METHODS));
        if (a == null) return new String[] {null, null};
        Auth auth = AuthJson.read(a, previous, true, policy, lower -> {
            if (customHeaders.keySet().stream().anyMatch(h -> h.equalsIgnoreCase(lower))) return "is also set in 'headers'";
            if (lower.equals("authorization")) return null;
            if (RESERVED.contains(lower) || (signatureHeader != null && lower.equalsIgnoreCase(signatureHeader))) return "is set by Herald";
            return null;
        });
        ObjectNode view = Json.object();
        AuthJson.putView(view, auth);
        return new String[] {secrets.seal(AuthJson.write(auth).toString(), Webhook.authContext(webhookId)), view.toString()};
    }

    /** The webhook's auth settings in clear, or null. */
    Auth openAuth(Webhook w) {
        return w.authSealed() == null ? null : AuthJson.parse(Json.parse(secrets.open(w.authSealed(), Webhook.authContext(w.id()))));
    }

    private String url(String url) {
        if (url.length() > 2048) throw Problem.invalid("url", "'url' must be at most 2048 characters");
        try {
            return policy.checkUrl(url).toString();
        } catch (PolicyDeniedException e) {
            throw new Problem(Problem.Kind.INVALID, "url_rejected", "'url' rejected (" + e.rule() + "): " + e.getMessage(), "url");
        }
    }

    private static List<String> events(List<String> events, boolean required) {
        if (events == null || events.isEmpty()) {
            if (required) throw Problem.invalid("events", "'events' must list at least one event type, prefix (ticket.*) or *");
            return List.of();
        }
        if (events.size() > 100) throw Problem.invalid("events", "'events' may list at most 100 patterns");
        for (String e : events) {
            if (!EventPatterns.isValidPattern(e)) {
                throw Problem.invalid("events", "'" + e + "' is not an event type, a prefix like ticket.* or *");
            }
        }
        return List.copyOf(new java.util.LinkedHashSet<>(events));
    }

    private static String description(JsonBody in) {
        String d = in.string("description", false);
        if (d != null && d.length() > 1000) throw Problem.invalid("description", "'description' must be at most 1000 characters");
        return d;
    }

    private static int timeout(JsonBody in, int dflt) {
        Integer t = in.integer("timeout_seconds", 1, dev.herald.config.HeraldConfig.MAX_TIMEOUT_SECONDS);
        return t == null ? dflt : t;
    }

    static List<Duration> schedule(List<String> in, List<Duration> dflt) {
        if (in == null) return dflt;
        if (in.size() > MAX_SCHEDULE) throw Problem.invalid("retry_schedule", "'retry_schedule' may have at most " + MAX_SCHEDULE + " entries");
        List<Duration> out = new ArrayList<>();
        for (String s : in) {
            Duration d;
            try {
                d = Durations.parse(s);
            } catch (IllegalArgumentException e) {
                throw Problem.invalid("retry_schedule", "'retry_schedule': " + e.getMessage());
            }
            if (d.compareTo(MIN_DELAY) < 0 || d.compareTo(MAX_DELAY) > 0) {
                throw Problem.invalid("retry_schedule", "'retry_schedule' delays must be between 1s and 7d, got " + s);
            }
            out.add(d);
        }
        return List.copyOf(out);
    }

    /** Returns {scheme, header}; header is null when the scheme's default applies. */
    private static String[] signature(JsonBody in) {
        JsonBody sig = in.object("signature", Set.of("scheme", "header"));
        if (sig == null) return new String[] {Signers.DEFAULT, null};
        String name = sig.string("scheme", false);
        if (name == null) name = Signers.DEFAULT;
        SignatureScheme scheme = Signers.find(name).orElse(null);
        if (scheme == null) throw Problem.invalid("signature.scheme", "'signature.scheme' must be one of " + Signers.names());
        String header = sig.string("header", false);
        if (header != null) {
            if (!scheme.headerConfigurable()) {
                throw Problem.invalid("signature.header", "the " + name + " scheme uses fixed headers; 'signature.header' cannot be set");
            }
            if (!HeaderInput.TOKEN.matcher(header).matches()) throw Problem.invalid("signature.header", "'signature.header' must be a valid header name");
            String lower = header.toLowerCase(Locale.ROOT);
            if (RESERVED.contains(lower) && !lower.equals("x-webhook-signature")) {
                throw Problem.invalid("signature.header", "'" + header + "' is a header Herald sets itself");
            }
        }
        return new String[] {name, header};
    }

    private static Map<String, String> headers(Map<String, String> in, String signatureHeader) {
        return HeaderInput.check(in, "headers", 50, lower -> {
            if (RESERVED.contains(lower) || (signatureHeader != null && lower.equals(signatureHeader.toLowerCase(Locale.ROOT)))) {
                return "is set by Herald" + (lower.contains("authorization") ? " (use 'auth' for credentials)" : "");
            }
            return null;
        });
    }
}
