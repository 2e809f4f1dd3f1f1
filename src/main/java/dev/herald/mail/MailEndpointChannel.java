package dev.herald.mail;

import dev.herald.delivery.Channel;
import dev.herald.delivery.Claim;
import dev.herald.delivery.Message;
import dev.herald.delivery.Targets;
import dev.herald.httpdelivery.HttpChannel;
import dev.herald.outbound.Authenticator;
import dev.herald.outbound.OutboundRequest;
import dev.herald.signing.SignatureScheme;
import dev.herald.signing.Signers;
import dev.herald.signing.WebhookSecret;
import dev.herald.store.Database;
import dev.herald.store.Sql;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jdbi.v3.core.Handle;
import tools.jackson.databind.node.ObjectNode;

/**
 * Inbound mail to endpoints as a delivery channel, on the seed's contract: a JSON POST whose body is the
 * route's mapper output, {@code X-Idempotency-Key} (and {@code Idempotency-Key} unless the endpoint's
 * custom headers set it) = hex SHA-256 of {@code "{message_id}|{route_id}"}, and the signature
 * {@code t=<unix>, kid=<kid>, v1=<base64 HMAC-SHA256(secret, t + "." + body)>} (the registry's
 * {@code timestamped} scheme) in the endpoint's signature header.
 */
public final class MailEndpointChannel extends HttpChannel<MailEndpointChannel.Target> {
    public static final String NAME = "mail_endpoint";
    private static final String SCHEME = "timestamped";

    private final Database db;
    private final Endpoints endpoints;
    private final Clock clock;
    /** Idempotency keys of the messages in flight, by queued message id; refreshed at every batch. */
    private final Map<String, String> keys = new ConcurrentHashMap<>();
    private final Map<String, WebhookSecret> opened = new ConcurrentHashMap<>();

    public MailEndpointChannel(Database db, Authenticator authenticator, Endpoints endpoints, Clock clock) {
        super(authenticator, clock);
        this.db = db;
        this.endpoints = endpoints;
        this.clock = clock;
    }

    /** What an attempt needs of its endpoint: the endpoint and its custom headers in clear. */
    record Target(Endpoint endpoint, Map<String, String> headers) {}

    @Override
    public String name() {
        return NAME;
    }

    @Override
    protected String goneMessage() {
        return "endpoint not found";
    }

    @Override
    protected Map<String, Target> load(Collection<Claim> claims) {
        Set<String> ids = new HashSet<>();
        Set<String> messages = new HashSet<>();
        for (Claim c : claims) {
            ids.add(c.targetId());
            messages.add(c.messageId());
        }
        Map<String, Target> out = new HashMap<>();
        db.read(h -> {
            for (Endpoint e : Endpoints.findAll(h, ids).values()) out.put(e.id(), new Target(e, endpoints.openHeaders(e)));
            if (keys.size() > 100_000) keys.clear();
            h.createQuery("SELECT id, idempotency_key FROM mail_deliveries WHERE id IN (" + Sql.idsIn(h, ":ids") + ")").bind("ids", Sql.jsonArray(messages))
                    .map((rs, ctx) -> keys.put(rs.getString(1), rs.getString(2))).list();
            return null;
        });
        return out;
    }

    @Override
    public List<Duration> retrySchedule(String targetId) {
        return Targets.DEFAULT_SCHEDULE;
    }

    private static final Set<String> SHOWN = Set.of("Content-Type", "X-Idempotency-Key", "Idempotency-Key");

    @Override
    protected Request request(Target t, Claim claim, Message m) {
        String key = keys.get(m.id());
        if (key == null) throw new IllegalStateException("no idempotency key recorded for message " + m.id());
        Endpoint e = t.endpoint();
        long now = clock.millis();
        WebhookSecret current = open(e.id(), e.secretSealed(), e.secretKid());
        WebhookSecret previous = e.previousSecretSealed() != null && e.previousSecretUntil() != null && e.previousSecretUntil() > now
                ? open(e.id(), e.previousSecretSealed(), e.previousSecretKid()) : null;
        Map<String, String> headers = new LinkedHashMap<>(t.headers());
        headers.put("X-Idempotency-Key", key);
        if (t.headers().keySet().stream().noneMatch(h -> h.equalsIgnoreCase("Idempotency-Key"))) headers.put("Idempotency-Key", key);
        headers.putAll(Signers.get(SCHEME).sign(new SignatureScheme.Input(claim.id(), now / 1000, m.body(),
                new SignatureScheme.Keys(current, previous), e.signatureHeader())));
        // The endpoint's own headers are sealed (they may carry credentials): only Herald's are recorded in clear.
        Set<String> shown = SHOWN;
        if (!t.headers().isEmpty()) {
            shown = new HashSet<>(SHOWN);
            shown.removeIf(n -> t.headers().keySet().stream().anyMatch(n::equalsIgnoreCase));
        }
        return new Request(OutboundRequest.postJson(URI.create(e.url()), headers, m.body(), Duration.ofSeconds(e.timeoutSeconds())), null, shown);
    }

    private WebhookSecret open(String endpointId, String sealed, String kid) {
        if (opened.size() > 10_000) opened.clear();
        return opened.computeIfAbsent(sealed, s -> endpoints.openSecret(endpointId, s, kid));
    }

    @Override
    public Map<String, TargetState> targetStates(Handle h, Collection<String> targetIds) {
        return Endpoints.states(h, targetIds);
    }

    @Override
    public Runnable onOutcomes(Handle h, List<Result> results) {
        return null;
    }

    @Override
    public void describe(ObjectNode view, View v) {
        Channel.describeAsEvent(view, v);
        view.put("endpoint_id", v.targetId());
    }
}
