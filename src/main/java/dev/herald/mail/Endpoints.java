package dev.herald.mail;

import dev.herald.delivery.Channel;
import dev.herald.delivery.Targets;
import dev.herald.outbound.HeaderInput;
import dev.herald.outbound.HostResolver;
import dev.herald.outbound.OutboundException;
import dev.herald.outbound.OutboundPolicy;
import dev.herald.outbound.PolicyDeniedException;
import dev.herald.signing.SecretBox;
import dev.herald.signing.SecretRotation;
import dev.herald.signing.WebhookSecret;
import dev.herald.store.Database;
import dev.herald.store.Sql;
import dev.herald.util.Ids;
import dev.herald.util.Json;
import dev.herald.util.JsonBody;
import dev.herald.util.Problem;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.jdbi.v3.core.Handle;
import tools.jackson.databind.JsonNode;

/**
 * Endpoints of inbound mail: create, change, rotate the secret, delete. The URL follows the seed's rules
 * through the one outbound policy: http or https, no userinfo, and the host must resolve now to public
 * addresses only (the allow-list decides exceptions); every attempt checks the addresses again.
 */
public final class Endpoints {
    public static final Set<String> FIELDS = Set.of("name", "url", "headers", "timeout_seconds", "signature_header");
    /** Headers Herald sets on every request; custom headers cannot use them ({@code Idempotency-Key} they may: Herald then leaves its own out). */
    private static final Set<String> RESERVED = Set.of("content-type", "user-agent", "x-idempotency-key", "proxy-authorization");
    private static final String COLUMNS = "id, project_id, name, url, headers_enc, header_names, timeout_seconds, signature_header, secret_enc, "
            + "secret_kid, prev_secret_enc, prev_secret_kid, prev_secret_until, created_at, updated_at";

    private final Database db;
    private final OutboundPolicy policy;
    private final HostResolver resolver;
    private final SecretBox secrets;
    private final Clock clock;
    private final Duration defaultGrace;

    public Endpoints(Database db, OutboundPolicy policy, HostResolver resolver, SecretBox secrets, Clock clock, Duration defaultGrace) {
        this.db = db;
        this.policy = policy;
        this.resolver = resolver;
        this.secrets = secrets;
        this.clock = clock;
        this.defaultGrace = defaultGrace;
    }

    /** An endpoint and, right after creation or rotation, its secret in clear (shown once). */
    public record WithSecret(Endpoint endpoint, String secret) {}

    public List<Endpoint> list(String projectId) {
        return db.read(h -> h.createQuery("SELECT " + COLUMNS + " FROM mail_endpoints WHERE project_id = :p AND deleted_at IS NULL ORDER BY created_at, id")
                .bind("p", projectId).map(Endpoints::map).list());
    }

    public Endpoint get(String projectId, String id) {
        if (!Ids.isUuid(id)) throw Problem.notFound("endpoint");
        return db.read(h -> find(h, projectId, Ids.canonical(id))).orElseThrow(() -> Problem.notFound("endpoint"));
    }

    public WithSecret create(String projectId, JsonBody in) {
        in.only(FIELDS);
        long now = clock.millis();
        String id = Ids.uuid7(now);
        String name = name(in.string("name", true));
        String url = url(in.string("url", true));
        String sigHeader = signatureHeader(in.string("signature_header", false));
        Map<String, String> headers = headers(in.stringMap("headers"), sigHeader);
        WebhookSecret secret = WebhookSecret.generate();
        Endpoint e = new Endpoint(id, projectId, name, url, secrets.seal(Json.write(headers), Endpoint.headersContext(id)), List.copyOf(headers.keySet()),
                timeout(in, 10), sigHeader, secrets.seal(secret.value(), Endpoint.secretContext(id)), secret.kid(), null, null, null, now, now);
        db.writer().execute(h -> {
            h.createUpdate("INSERT INTO mail_endpoints (" + COLUMNS + ") VALUES (:id, :project_id, :name, :url, :headers_enc, :header_names, :timeout_seconds, "
                    + ":signature_header, :secret_enc, :secret_kid, :prev_secret_enc, :prev_secret_kid, :prev_secret_until, :created_at, :updated_at)")
                    .bindMap(params(e)).execute();
            return null;
        });
        return new WithSecret(e, secret.value());
    }

    public Endpoint update(String projectId, String id, JsonBody in) {
        in.only(FIELDS);
        Endpoint old = get(projectId, id);
        String name = in.has("name") ? name(in.string("name", true)) : old.name();
        String url = in.has("url") ? url(in.string("url", true)) : old.url();
        String sigHeader = in.has("signature_header") ? signatureHeader(in.string("signature_header", false)) : old.signatureHeader();
        String headersSealed = old.headersSealed();
        List<String> names = old.headerNames();
        if (in.has("headers")) {
            Map<String, String> headers = headers(in.stringMap("headers"), sigHeader);
            headersSealed = secrets.seal(Json.write(headers), Endpoint.headersContext(old.id()));
            names = List.copyOf(headers.keySet());
        } else if (names.stream().anyMatch(n -> n.equalsIgnoreCase(sigHeader))) {
            throw Problem.invalid("signature_header", "'" + sigHeader + "' is one of the endpoint's custom headers");
        }
        int timeout = in.has("timeout_seconds") ? timeout(in, old.timeoutSeconds()) : old.timeoutSeconds();
        Endpoint e = new Endpoint(old.id(), projectId, name, url, headersSealed, names, timeout, sigHeader, old.secretSealed(), old.secretKid(),
                old.previousSecretSealed(), old.previousSecretKid(), old.previousSecretUntil(), old.createdAt(), clock.millis());
        save(e);
        return e;
    }

    /** A new secret; during {@code grace_period} (default HERALD_SECRET_ROTATION_GRACE) the previous one keeps signing. */
    public WithSecret rotate(String projectId, String id, JsonBody in) {
        Duration grace = SecretRotation.gracePeriod(in, defaultGrace);
        Endpoint old = get(projectId, id);
        long now = clock.millis();
        WebhookSecret secret = WebhookSecret.generate();
        boolean keep = !grace.isZero();
        Endpoint e = new Endpoint(old.id(), projectId, old.name(), old.url(), old.headersSealed(), old.headerNames(), old.timeoutSeconds(),
                old.signatureHeader(), secrets.seal(secret.value(), Endpoint.secretContext(old.id())), secret.kid(),
                keep ? old.secretSealed() : null, keep ? old.secretKid() : null, keep ? Long.valueOf(now + grace.toMillis()) : null, old.createdAt(), now);
        save(e);
        return new WithSecret(e, secret.value());
    }

    /** Deletes the endpoint; its waiting deliveries are cancelled and routes stop naming it. */
    public void delete(String projectId, String id) {
        if (!Ids.isUuid(id)) throw Problem.notFound("endpoint");
        String eid = Ids.canonical(id);
        boolean deleted = db.writer().execute(h -> {
            long now = clock.millis();
            int n = h.createUpdate("UPDATE mail_endpoints SET deleted_at = :now, updated_at = :now WHERE id = :id AND project_id = :p AND deleted_at IS NULL")
                    .bind("now", now).bind("id", eid).bind("p", projectId).execute();
            if (n == 0) return false;
            Targets.cancel(h, eid, now);
            Routes.forgetEndpoint(h, projectId, eid, now);
            return true;
        });
        if (!deleted) throw Problem.notFound("endpoint");
    }

    /** The custom headers in clear, for a request. */
    Map<String, String> openHeaders(Endpoint e) {
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> x : Json.parse(secrets.open(e.headersSealed(), Endpoint.headersContext(e.id()))).properties()) {
            out.put(x.getKey(), x.getValue().asString());
        }
        return out;
    }

    WebhookSecret openSecret(String endpointId, String sealed, String kid) {
        return new WebhookSecret(secrets.open(sealed, Endpoint.secretContext(endpointId)), kid);
    }

    private void save(Endpoint e) {
        db.writer().execute(h -> h.createUpdate("UPDATE mail_endpoints SET name = :name, url = :url, headers_enc = :headers_enc, header_names = :header_names, "
                        + "timeout_seconds = :timeout_seconds, signature_header = :signature_header, secret_enc = :secret_enc, secret_kid = :secret_kid, "
                        + "prev_secret_enc = :prev_secret_enc, prev_secret_kid = :prev_secret_kid, prev_secret_until = :prev_secret_until, "
                        + "updated_at = :updated_at WHERE id = :id AND project_id = :project_id AND deleted_at IS NULL")
                .bindMap(params(e)).execute());
    }

    static Optional<Endpoint> find(Handle h, String projectId, String id) {
        return h.createQuery("SELECT " + COLUMNS + " FROM mail_endpoints WHERE id = :id AND project_id = :p AND deleted_at IS NULL")
                .bind("id", id).bind("p", projectId).map(Endpoints::map).findOne();
    }

    /** Endpoints by id, deleted ones included (in-flight deliveries still name them). */
    static Map<String, Endpoint> findAll(Handle h, Collection<String> ids) {
        Map<String, Endpoint> out = new HashMap<>();
        if (ids.isEmpty()) return out;
        for (Endpoint e : h.createQuery("SELECT " + COLUMNS + " FROM mail_endpoints WHERE id IN (" + Sql.idsIn(h, ":ids") + ") AND deleted_at IS NULL")
                .bind("ids", Sql.jsonArray(ids)).map(Endpoints::map).list()) {
            out.put(e.id(), e);
        }
        return out;
    }

    /** Active for existing endpoints, gone for deleted or unknown ones. */
    static Map<String, Channel.TargetState> states(Handle h, Collection<String> ids) {
        Map<String, Channel.TargetState> out = new HashMap<>();
        for (String id : findAll(h, ids).keySet()) out.put(id, Channel.TargetState.ACTIVE);
        return out;
    }

    private static Map<String, Object> params(Endpoint e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", e.id());
        m.put("project_id", e.projectId());
        m.put("name", e.name());
        m.put("url", e.url());
        m.put("headers_enc", e.headersSealed());
        m.put("header_names", Json.write(e.headerNames()));
        m.put("timeout_seconds", e.timeoutSeconds());
        m.put("signature_header", e.signatureHeader());
        m.put("secret_enc", e.secretSealed());
        m.put("secret_kid", e.secretKid());
        m.put("prev_secret_enc", e.previousSecretSealed());
        m.put("prev_secret_kid", e.previousSecretKid());
        m.put("prev_secret_until", e.previousSecretUntil());
        m.put("created_at", e.createdAt());
        m.put("updated_at", e.updatedAt());
        return m;
    }

    private static Endpoint map(ResultSet rs, org.jdbi.v3.core.statement.StatementContext ctx) throws SQLException {
        List<String> names = new ArrayList<>();
        for (JsonNode n : Json.parse(rs.getString("header_names"))) names.add(n.asString());
        long until = rs.getLong("prev_secret_until");
        Long prevUntil = rs.wasNull() ? null : until;
        return new Endpoint(rs.getString("id"), rs.getString("project_id"), rs.getString("name"), rs.getString("url"), rs.getString("headers_enc"),
                List.copyOf(names), rs.getInt("timeout_seconds"), rs.getString("signature_header"), rs.getString("secret_enc"), rs.getString("secret_kid"),
                rs.getString("prev_secret_enc"), rs.getString("prev_secret_kid"), prevUntil, rs.getLong("created_at"), rs.getLong("updated_at"));
    }

    private static String name(String name) {
        String n = name.strip();
        if (n.isEmpty() || n.length() > 200) throw Problem.invalid("name", "'name' must be 1 to 200 characters");
        return n;
    }

    /** The seed's endpoint rules, checked now: scheme, no userinfo, the policy's host rules, and the name resolves to allowed addresses. */
    private String url(String url) {
        if (url.length() > 2048) throw Problem.invalid("url", "'url' must be at most 2048 characters");
        URI uri;
        try {
            uri = policy.checkUrl(url);
        } catch (PolicyDeniedException e) {
            throw rejected(e.rule(), e.getMessage());
        }
        String host = uri.getHost();
        if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
        List<InetAddress> addresses;
        try {
            addresses = resolver.resolve(host);
        } catch (UnknownHostException e) {
            throw rejected("unresolvable_host", "host '" + uri.getHost() + "' does not resolve");
        }
        try {
            policy.checkAddresses(host, uri.getPort() == -1 ? ("https".equals(uri.getScheme()) ? 443 : 80) : uri.getPort(), addresses);
        } catch (PolicyDeniedException e) {
            throw rejected(e.rule(), e.getMessage());
        } catch (OutboundException e) {
            throw rejected("unresolvable_host", "host '" + uri.getHost() + "' does not resolve");
        }
        return uri.toString();
    }

    private static Problem rejected(String rule, String message) {
        return new Problem(Problem.Kind.INVALID, "url_rejected", "'url' rejected (" + rule + "): " + message, "url");
    }

    private static String signatureHeader(String h) {
        if (h == null) return Endpoint.DEFAULT_SIGNATURE_HEADER;
        if (!HeaderInput.TOKEN.matcher(h).matches()) throw Problem.invalid("signature_header", "'signature_header' must be a valid header name");
        String lower = h.toLowerCase(Locale.ROOT);
        if (RESERVED.contains(lower) || HeaderInput.TRANSPORT.contains(lower) || lower.equals("authorization") || lower.equals("idempotency-key")) {
            throw Problem.invalid("signature_header", "'" + h + "' is a header Herald or the transport sets");
        }
        return h;
    }

    private static Map<String, String> headers(Map<String, String> in, String signatureHeader) {
        return HeaderInput.check(in, "headers", 50, lower -> {
            if (RESERVED.contains(lower)) return "is set by Herald";
            if (lower.equalsIgnoreCase(signatureHeader)) return "is the endpoint's signature header";
            return null;
        });
    }

    private static int timeout(JsonBody in, int dflt) {
        Integer t = in.integer("timeout_seconds", 1, dev.herald.config.HeraldConfig.MAX_TIMEOUT_SECONDS);
        return t == null ? dflt : t;
    }
}
