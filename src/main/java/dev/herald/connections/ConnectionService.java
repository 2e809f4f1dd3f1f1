package dev.herald.connections;

import dev.herald.outbound.Auth;
import dev.herald.outbound.Authenticator;
import dev.herald.outbound.OutboundException;
import dev.herald.outbound.OutboundPolicy;
import dev.herald.outbound.OutboundRequest;
import dev.herald.outbound.OutboundResponse;
import dev.herald.outbound.PolicyDeniedException;
import dev.herald.signing.SecretBox;
import dev.herald.store.Database;
import dev.herald.util.Ids;
import dev.herald.util.Json;
import dev.herald.util.JsonBody;
import dev.herald.util.Problem;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Named connections of a project: created, changed, deleted and tried out. Details are sealed at rest
 * (context {@code connection:<id>}); what the API returns is their redacted view.
 */
public final class ConnectionService {
    public static final Set<String> FIELDS = Set.of("name", "display_name", "description", "connection_details");
    public static final Set<String> TEST_FIELDS = Set.of("method", "path", "body", "channel", "text");

    private final Database db;
    private final OutboundPolicy policy;
    private final SecretBox secrets;
    private final Authenticator authenticator;
    private final Clock clock;

    public ConnectionService(Database db, OutboundPolicy policy, SecretBox secrets, Authenticator authenticator, Clock clock) {
        this.db = db;
        this.policy = policy;
        this.secrets = secrets;
        this.authenticator = authenticator;
        this.clock = clock;
    }

    /** A connection with its details in clear, for Herald's own use (never for an API answer). */
    public record Opened(Connection connection, ConnectionDetails details) {}

    public List<Connection> list(String projectId) {
        return db.read(h -> ConnectionRepository.list(h, projectId));
    }

    public Connection get(String projectId, String name) {
        if (!ConnectionNames.isValid(name)) throw Problem.notFound("connection");
        return db.read(h -> ConnectionRepository.find(h, projectId, name)).orElseThrow(() -> Problem.notFound("connection"));
    }

    public Opened open(String projectId, String name) {
        Connection c = get(projectId, name);
        return new Opened(c, details(c));
    }

    /** A connection by id in any project, in clear, for a delivery channel; empty once deleted. */
    public java.util.Optional<Opened> openById(org.jdbi.v3.core.Handle h, String id) {
        return ConnectionRepository.findById(h, id).map(c -> new Opened(c, details(c)));
    }

    /** Whether a connection with this id still exists (for delivery target states). */
    public boolean exists(org.jdbi.v3.core.Handle h, String id) {
        return h.createQuery("SELECT 1 FROM connections WHERE id = :id").bind("id", id).mapTo(Integer.class).findOne().isPresent();
    }

    /** Delivery target states of connection targets: active while the connection exists, gone once deleted. */
    public java.util.Map<String, dev.herald.delivery.Channel.TargetState> targetStates(org.jdbi.v3.core.Handle h, java.util.Collection<String> ids) {
        java.util.Map<String, dev.herald.delivery.Channel.TargetState> out = new java.util.HashMap<>();
        for (String id : ids) out.put(id, exists(h, id) ? dev.herald.delivery.Channel.TargetState.ACTIVE : dev.herald.delivery.Channel.TargetState.GONE);
        return out;
    }

    /** A connection by name or id within a project, in clear; empty when there is none. */
    public java.util.Optional<Opened> find(String projectId, String given) {
        String nameOrId = Ids.canonical(given);
        java.util.Optional<Connection> c = db.read(h -> Ids.isUuid(nameOrId)
                ? ConnectionRepository.findById(h, nameOrId).filter(x -> x.projectId().equals(projectId))
                : ConnectionNames.isValid(nameOrId) ? ConnectionRepository.find(h, projectId, nameOrId) : java.util.Optional.<Connection>empty());
        return c.map(x -> new Opened(x, details(x)));
    }

    /** The project's connection of this name, read in the caller's transaction. */
    public java.util.Optional<Opened> find(org.jdbi.v3.core.Handle h, String projectId, String name) {
        return ConnectionRepository.find(h, projectId, name).map(c -> new Opened(c, details(c)));
    }

    /**
     * Where and as whom the {@code email_webhook} connection {@code connectionId} sends with {@code d}: what a
     * reviewer is shown and an approval is bound to ({@link Destination}).
     */
    public Destination destination(String connectionId, ConnectionDetails.EmailWebhook d) {
        return Destination.of(connectionId, d, secrets::fingerprint);
    }

    private ConnectionDetails details(Connection c) {
        return ConnectionJson.parse(Json.parse(secrets.open(c.detailsSealed(), Connection.context(c.id()))));
    }

    public Connection create(String projectId, JsonBody in) {
        in.only(FIELDS);
        String displayName = text(in, "display_name", 200);
        String name;
        String given = in.string("name", false);
        if (given != null) {
            name = ConnectionNames.reference(given, "name");
        } else if (displayName != null && !ConnectionNames.fromDisplayName(displayName).isEmpty()) {
            name = ConnectionNames.fromDisplayName(displayName);
        } else {
            throw Problem.invalid("name", "'name' is required (or a 'display_name' to derive it from)");
        }
        String description = text(in, "description", 4000);
        ConnectionDetails details = ConnectionJson.read(requiredDetails(in), null, policy);
        long now = clock.millis();
        String id = Ids.uuid7(now);
        Connection c = seal(new Connection(id, projectId, name, displayName, description, details.type(), null, null, now, now), details);
        String finalName = name;
        db.writer().execute(h -> {
            if (ConnectionRepository.exists(h, projectId, finalName)) {
                throw new Problem(Problem.Kind.CONFLICT, "conflict", "a connection named '" + finalName + "' already exists"
                        + (given == null ? " (the name was derived from display_name; give a 'name')" : ""), "name");
            }
            checkSlackReference(h, projectId, finalName, details);
            ConnectionRepository.insert(h, c);
            return null;
        });
        return c;
    }

    public Connection update(String projectId, String name, JsonBody in) {
        in.only(FIELDS);
        Opened old = open(projectId, name);
        if (in.has("name") && !ConnectionNames.reference(in.string("name", true), "name").equals(old.connection().name())) {
            throw Problem.invalid("name", "a connection's name cannot be changed (other settings refer to it); create a new one");
        }
        Connection o = old.connection();
        String displayName = in.has("display_name") ? text(in, "display_name", 200) : o.displayName();
        String description = in.has("description") ? text(in, "description", 4000) : o.description();
        ConnectionDetails details = in.has("connection_details") ? ConnectionJson.read(requiredDetails(in), old.details(), policy) : old.details();
        Connection c = seal(new Connection(o.id(), projectId, o.name(), displayName, description, details.type(), null, null, o.createdAt(),
                clock.millis()), details);
        db.writer().execute(h -> {
            checkSlackReference(h, projectId, o.name(), details);
            if (!ConnectionRepository.update(h, c)) throw Problem.notFound("connection");
            return null;
        });
        return c;
    }

    public void delete(String projectId, String name) {
        if (!ConnectionNames.isValid(name)) throw Problem.notFound("connection");
        db.writer().execute(h -> {
            for (Connection other : ConnectionRepository.list(h, projectId)) {
                JsonNode ref = Json.parse(other.detailsView()).path(ConnectionDetails.EmailWebhook.TYPE).path("slack_connection_name");
                if (ref.isString() && ref.asString().equals(name) && !other.name().equals(name)) {
                    throw Problem.conflict("connection '" + other.name() + "' sends its Slack notices through '" + name + "'; change it first");
                }
            }
            if (!ConnectionRepository.delete(h, projectId, name)) throw Problem.notFound("connection");
            return null;
        });
    }

    private Connection seal(Connection c, ConnectionDetails d) {
        return new Connection(c.id(), c.projectId(), c.name(), c.displayName(), c.description(), d.type(),
                secrets.seal(ConnectionJson.write(d).toString(), Connection.context(c.id())), ConnectionJson.view(d).toString(), c.createdAt(), c.updatedAt());
    }

    private static JsonBody requiredDetails(JsonBody in) {
        JsonBody d = in.object("connection_details", Set.copyOf(ConnectionDetails.TYPES));
        if (d == null) throw Problem.invalid("connection_details", "'connection_details' is required: an object with one of " + ConnectionDetails.TYPES);
        return d;
    }

    /** A Slack reference must not name a connection of another type; one that does not exist yet is allowed (notices are best-effort). */
    private static void checkSlackReference(org.jdbi.v3.core.Handle h, String projectId, String self, ConnectionDetails d) {
        if (!(d instanceof ConnectionDetails.EmailWebhook e) || e.slackConnectionName() == null) return;
        String field = "connection_details.email_webhook.slack_connection_name";
        if (e.slackConnectionName().equals(self)) throw Problem.invalid(field, "'" + field + "' must name a slack connection, not this one");
        ConnectionRepository.find(h, projectId, e.slackConnectionName()).ifPresent(c -> {
            if (!c.type().equals(ConnectionDetails.Slack.TYPE)) {
                throw Problem.invalid(field, "connection '" + c.name() + "' is of type " + c.type() + ", not slack");
            }
        });
    }

    private static String text(JsonBody in, String name, int max) {
        String v = in.string(name, false);
        if (v != null && v.length() > max) throw Problem.invalid(name, "'" + name + "' must be at most " + max + " characters");
        return v;
    }

    /**
     * Tries the connection for real and reports what happened (never throws for a failed target):
     * {@code http} sends the given request (a route it allows); {@code slack} posts a test message;
     * {@code email_webhook} checks the URL against the policy and obtains the OAuth token if it uses one,
     * but sends nothing (a test must not email a customer).
     */
    public ObjectNode test(String projectId, String name, JsonBody in) {
        in.only(TEST_FIELDS);
        Opened c = open(projectId, name);
        ObjectNode out = Json.object();
        long start = System.nanoTime();
        switch (c.details()) {
            case ConnectionDetails.Http h -> {
                String method = in.string("method", false) == null ? "POST" : in.string("method", false);
                String path = in.string("path", false) == null ? "/" : in.string("path", false);
                if (!allowed(h.allowedRoutes(), method, path)) {
                    throw Problem.invalid("path", "'" + method + " " + path + "' is not in this connection's allowed_routes " + h.allowedRoutes());
                }
                JsonNode body = in.raw("body");
                byte[] bytes = method.equals("GET") || method.equals("DELETE") ? null
                        : (body == null ? "{}" : body.toString()).getBytes(StandardCharsets.UTF_8);
                Map<String, String> headers = new LinkedHashMap<>(h.headers());
                String contentType = headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase("Content-Type")).map(Map.Entry::getValue)
                        .findFirst().orElse("application/json");
                OutboundRequest r = new OutboundRequest(method, URI.create(join(h.baseUrl(), path)), headers, bytes, contentType,
                        Duration.ofSeconds(h.timeoutSeconds()), h.maxResponseSizeBytes(), dev.herald.outbound.OutboundClient.CAPTURE_BYTES);
                report(out, authenticator.send(r, h.auth()), start, null);
            }
            case ConnectionDetails.Slack s -> {
                String channel = in.string("channel", false) != null ? in.string("channel", false) : s.defaultChannel();
                if (s.botToken() != null && channel == null) throw Problem.invalid("channel", "'channel' is required: this connection has no default_channel");
                String text = in.string("text", false) != null ? in.string("text", false) : "Herald connection test: " + c.connection().name();
                report(out, authenticator.send(Slack.request(s, channel, text), null), start, s);
            }
            case ConnectionDetails.EmailWebhook e -> {
                out.put("sent", false);
                try {
                    policy.checkUrl(e.baseUrl());
                    if (e.auth() instanceof Auth.OAuthClientCredentials) {
                        await(authenticator.token(e.auth(), Duration.ofSeconds(e.timeoutSeconds())));
                        out.put("oauth_token", "obtained");
                    }
                    out.put("ok", true);
                } catch (OutboundException ex) {
                    failed(out, ex);
                }
                out.put("duration_ms", (System.nanoTime() - start) / 1_000_000);
            }
        }
        return out;
    }

    private static void report(ObjectNode out, CompletableFuture<OutboundResponse> f, long start, ConnectionDetails.Slack slack) {
        try {
            OutboundResponse r = await(f);
            String slackError = slack == null ? null : Slack.failure(slack, r);
            out.put("ok", slackError == null && r.isSuccess());
            out.put("status_code", r.status());
            if (slackError != null) out.put("error_message", slackError);
            out.put("response_body", new String(r.captured(), StandardCharsets.UTF_8));
            out.put("response_truncated", r.truncated());
        } catch (OutboundException e) {
            failed(out, e);
        }
        out.put("duration_ms", (System.nanoTime() - start) / 1_000_000);
    }

    private static void failed(ObjectNode out, RuntimeException e) {
        out.put("ok", false);
        if (e instanceof PolicyDeniedException pd) {
            out.put("error_kind", "policy_denied");
            out.put("error_message", pd.rule() + ": " + pd.getMessage());
        } else {
            out.put("error_kind", ((OutboundException) e).kind().code());
            out.put("error_message", e.getMessage());
        }
    }

    private static <T> T await(CompletableFuture<T> f) {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException e) {
            Throwable c = e.getCause() instanceof CompletionException && e.getCause().getCause() != null ? e.getCause().getCause() : e.getCause();
            if (c instanceof OutboundException oe) throw oe;
            throw new OutboundException(dev.herald.outbound.ErrorKind.IO, String.valueOf(c.getMessage()), c);
        }
    }

    /** True when {@code method path} matches a route: exact, or a prefix for a route ending in {@code *}. */
    static boolean allowed(List<String> routes, String method, String path) {
        String lower = path.toLowerCase(java.util.Locale.ROOT);
        if (!path.startsWith("/") || path.contains("..") || path.contains("#") || path.contains("?") || lower.contains("%2e") || lower.contains("%2f")
                || lower.contains("%5c") || path.contains("\\") || path.chars().anyMatch(ch -> ch <= 0x20 || ch >= 0x7f)) {
            return false;
        }
        for (String r : routes) {
            int sp = r.indexOf(' ');
            if (!r.substring(0, sp).equals(method)) continue;
            String p = r.substring(sp + 1);
            if (p.endsWith("*") ? path.startsWith(p.substring(0, p.length() - 1)) : path.equals(p)) return true;
        }
        return false;
    }

    /** base_url plus a route path: {@code /} is the base URL itself. */
    static String join(String baseUrl, String path) {
        if (path.equals("/")) return baseUrl;
        return (baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl) + path;
    }
}
