package dev.herald.connections;

import dev.herald.config.HeraldConfig;
import dev.herald.outbound.Auth;
import dev.herald.outbound.AuthJson;
import dev.herald.outbound.HeaderInput;
import dev.herald.outbound.OutboundPolicy;
import dev.herald.util.Json;
import dev.herald.util.JsonBody;
import dev.herald.util.Problem;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code connection_details} as JSON: read and validated from a request, written in full for sealing,
 * and shown redacted. Write-only fields (auth secrets, {@code webhook_signing_secret}, Slack's
 * {@code webhook_url} and {@code bot_token}) are kept from the stored value when a change omits them and
 * the type (and auth method) stays the same; an explicit {@code null} removes an optional one.
 */
public final class ConnectionJson {
    private static final Set<String> EMAIL_FIELDS = fields("base_url", "allowed_routes", "headers", "max_response_size_bytes", "timeout_seconds",
            "webhook_signing_secret", "slack_connection_name", "slack_channel");
    private static final Set<String> HTTP_FIELDS = fields("base_url", "allowed_routes", "headers", "max_response_size_bytes", "timeout_seconds");
    private static final Set<String> SLACK_FIELDS = Set.of("webhook_url", "bot_token", "default_channel");
    private static final Pattern ROUTE = Pattern.compile("(GET|POST|PUT|PATCH|DELETE) (/[A-Za-z0-9._~!$&'()+,;=:@%/-]*\\*?)");
    private static final Pattern CHANNEL = Pattern.compile("[#@]?[A-Za-z0-9._-]{1,80}");
    /** Headers a connection's non-auth {@code headers} may not set: credentials belong in the auth oneof. */
    private static final Set<String> NOT_NON_AUTH = Set.of("authorization", "proxy-authorization", "x-webhook-signature");

    private ConnectionJson() {}

    private static Set<String> fields(String... names) {
        Set<String> s = new HashSet<>(List.of(names));
        s.addAll(Auth.METHODS);
        return Set.copyOf(s);
    }

    /** Reads {@code connection_details}: exactly one type key. */
    public static ConnectionDetails read(JsonBody in, ConnectionDetails previous, OutboundPolicy policy) {
        List<String> types = ConnectionDetails.TYPES.stream().filter(t -> in.raw(t) != null && !in.raw(t).isNull()).toList();
        if (types.size() != 1) {
            throw Problem.invalid(types.isEmpty() ? in.prefix() : in.path(types.get(1)), "'" + in.prefix() + "' must hold exactly one connection type: one of "
                    + String.join(", ", ConnectionDetails.TYPES) + (types.isEmpty() ? "" : "; got " + String.join(" and ", types)));
        }
        String type = types.get(0);
        return switch (type) {
            case ConnectionDetails.EmailWebhook.TYPE -> email(in.object(type, EMAIL_FIELDS),
                    previous instanceof ConnectionDetails.EmailWebhook p ? p : null, policy);
            case ConnectionDetails.Http.TYPE -> http(in.object(type, HTTP_FIELDS), previous instanceof ConnectionDetails.Http p ? p : null, policy);
            default -> slack(in.object(type, SLACK_FIELDS), previous instanceof ConnectionDetails.Slack p ? p : null, policy);
        };
    }

    private static ConnectionDetails.EmailWebhook email(JsonBody e, ConnectionDetails.EmailWebhook prev, OutboundPolicy policy) {
        String baseUrl = AuthJson.url(e.string("base_url", true), e.path("base_url"), policy);
        List<String> routes = e.strings("allowed_routes");
        if (routes != null && !routes.equals(ConnectionDetails.EmailWebhook.ROUTES)) {
            throw Problem.invalid(e.path("allowed_routes"), "'" + e.path("allowed_routes") + "' is fixed to [\"POST /\"] for email_webhook connections");
        }
        Auth auth = AuthJson.read(e, prev == null ? null : prev.auth(), true, policy, authHeaderRule(e.stringMap("headers")));
        Map<String, String> headers = headers(e);
        String signing = writeOnly(e, "webhook_signing_secret", prev == null ? null : prev.webhookSigningSecret(), 4096);
        String slackName = e.string("slack_connection_name", false);
        String slackChannel = e.string("slack_channel", false);
        if ((slackName == null) != (slackChannel == null)) {
            String missing = slackName == null ? "slack_connection_name" : "slack_channel";
            throw Problem.invalid(e.path(missing), "'slack_connection_name' and 'slack_channel' go together: set both or neither");
        }
        if (slackName != null) {
            slackName = ConnectionNames.reference(slackName, e.path("slack_connection_name"));
            if (!CHANNEL.matcher(slackChannel).matches()) {
                throw Problem.invalid(e.path("slack_channel"), "'" + e.path("slack_channel") + "' must be a channel name like #customer-emails or a channel id");
            }
        }
        return new ConnectionDetails.EmailWebhook(baseUrl, headers, maxSize(e), timeout(e), signing, slackName, slackChannel, auth);
    }

    private static ConnectionDetails.Http http(JsonBody h, ConnectionDetails.Http prev, OutboundPolicy policy) {
        String baseUrl = AuthJson.url(h.string("base_url", true), h.path("base_url"), policy);
        List<String> routes = h.strings("allowed_routes");
        if (routes == null) routes = List.of("POST /");
        if (routes.isEmpty() || routes.size() > 50) throw Problem.invalid(h.path("allowed_routes"), "'" + h.path("allowed_routes") + "' must list 1-50 routes");
        for (String r : routes) {
            if (!ROUTE.matcher(r).matches()) {
                throw Problem.invalid(h.path("allowed_routes"), "'" + r + "' is not a route like \"POST /\", \"GET /v1/status\" or \"POST /v1/messages/*\"");
            }
            if (!normalized(r.substring(r.indexOf(' ') + 1))) {
                throw Problem.invalid(h.path("allowed_routes"), "'" + r + "' is not a normalized path (no empty, '.' or '..' segments, "
                        + "no encoded '.', '/' or '\\'): no request could ever match it");
            }
        }
        Auth auth = AuthJson.read(h, prev == null ? null : prev.auth(), false, policy, authHeaderRule(h.stringMap("headers")));
        return new ConnectionDetails.Http(baseUrl, List.copyOf(new java.util.LinkedHashSet<>(routes)), headers(h), maxSize(h), timeout(h), auth);
    }

    /**
     * A route path that a request path can match: {@link ConnectionService#allowed} refuses request paths
     * with these, so a route holding one would be accepted but never match.
     */
    static boolean normalized(String path) {
        boolean prefix = path.endsWith("*");
        String p = prefix ? path.substring(0, path.length() - 1) : path;
        if (p.contains("..") || p.contains("//") || PERCENT.matcher(p).find()) return false;
        String[] segments = p.substring(1).split("/", -1);
        // The part before a trailing '*' is a prefix of a segment (/v1/.* matches /v1/.well-known), not a whole one.
        for (int i = 0; i < segments.length - (prefix ? 1 : 0); i++) {
            if (segments[i].equals(".")) return false;
        }
        return true;
    }

    /** An escape that encodes '.', '/' or '\\', or a '%' that starts no escape at all. */
    private static final Pattern PERCENT = Pattern.compile("(?i)%(2e|2f|5c|(?![0-9a-f]{2}))");

    private static ConnectionDetails.Slack slack(JsonBody s, ConnectionDetails.Slack prev, OutboundPolicy policy) {
        boolean urlGiven = s.raw("webhook_url") != null && !s.raw("webhook_url").isNull();
        boolean tokenGiven = s.raw("bot_token") != null && !s.raw("bot_token").isNull();
        if (urlGiven && tokenGiven) throw Problem.invalid(s.path("bot_token"), "set one of 'webhook_url' and 'bot_token', not both");
        String url = null;
        String token = null;
        if (urlGiven) {
            url = AuthJson.url(s.string("webhook_url", true), s.path("webhook_url"), policy);
        } else if (tokenGiven) {
            token = s.string("bot_token", true);
            if (!token.matches("[\\x21-\\x7E]{8,512}")) throw Problem.invalid(s.path("bot_token"), "'" + s.path("bot_token") + "' must be a Slack token such as xoxb-...");
        } else if (prev != null) {
            url = prev.webhookUrl();
            token = prev.botToken();
        } else {
            throw Problem.invalid(s.prefix(), "'" + s.prefix() + "' needs 'webhook_url' (an incoming webhook) or 'bot_token'");
        }
        String channel = s.string("default_channel", false);
        if (channel != null && !CHANNEL.matcher(channel).matches()) {
            throw Problem.invalid(s.path("default_channel"), "'" + s.path("default_channel") + "' must be a channel name like #alerts or a channel id");
        }
        return new ConnectionDetails.Slack(url, token, channel);
    }

    /** Static auth headers may set Authorization, but not what the transport sets or what {@code headers} already sets. */
    private static java.util.function.Function<String, String> authHeaderRule(Map<String, String> nonAuth) {
        return lower -> {
            if (nonAuth != null && nonAuth.keySet().stream().anyMatch(h -> h.equalsIgnoreCase(lower))) return "is also set in 'headers'";
            if (lower.equals("x-webhook-signature")) return "is set by Herald when webhook_signing_secret is set";
            return null;
        };
    }

    private static Map<String, String> headers(JsonBody in) {
        return HeaderInput.check(in.stringMap("headers"), in.path("headers"), 50,
                lower -> NOT_NON_AUTH.contains(lower) ? (lower.equals("x-webhook-signature") ? "is set by Herald" : "is a credential: use the auth settings") : null);
    }

    private static String writeOnly(JsonBody in, String name, String previous, int max) {
        JsonNode raw = in.raw(name);
        if (raw == null) return previous;
        if (raw.isNull()) return null;
        String v = in.string(name, true);
        if (v.isEmpty() || v.length() > max) throw Problem.invalid(in.path(name), "'" + in.path(name) + "' must be 1-" + max + " characters");
        return v;
    }

    private static long maxSize(JsonBody in) {
        JsonNode v = in.raw("max_response_size_bytes");
        if (v == null || v.isNull()) return ConnectionDetails.DEFAULT_MAX_RESPONSE_SIZE;
        if (!v.isIntegralNumber() || !v.canConvertToLong() || v.asLong() < 1 || v.asLong() > (1L << 30)) {
            throw Problem.invalid(in.path("max_response_size_bytes"), "'" + in.path("max_response_size_bytes") + "' must be an integer between 1 and 1073741824");
        }
        return v.asLong();
    }

    private static int timeout(JsonBody in) {
        Integer t = in.integer("timeout_seconds", 1, HeraldConfig.MAX_TIMEOUT_SECONDS);
        return t == null ? ConnectionDetails.DEFAULT_TIMEOUT_SECONDS : t;
    }

    /** Every field, secrets included: {@code {"<type>": {...}}}. */
    public static ObjectNode write(ConnectionDetails d) {
        return render(d, false);
    }

    /** The redacted view the API returns. */
    public static ObjectNode view(ConnectionDetails d) {
        return render(d, true);
    }

    private static ObjectNode render(ConnectionDetails d, boolean redact) {
        ObjectNode root = Json.object();
        ObjectNode n = root.putObject(d.type());
        switch (d) {
            case ConnectionDetails.EmailWebhook e -> {
                n.put("base_url", e.baseUrl());
                strings(n.putArray("allowed_routes"), ConnectionDetails.EmailWebhook.ROUTES);
                map(n.putObject("headers"), e.headers());
                n.put("max_response_size_bytes", e.maxResponseSizeBytes());
                n.put("timeout_seconds", e.timeoutSeconds());
                secret(n, "webhook_signing_secret", e.webhookSigningSecret(), redact);
                n.put("slack_connection_name", e.slackConnectionName());
                n.put("slack_channel", e.slackChannel());
                auth(n, e.auth(), redact);
            }
            case ConnectionDetails.Http h -> {
                n.put("base_url", h.baseUrl());
                strings(n.putArray("allowed_routes"), h.allowedRoutes());
                map(n.putObject("headers"), h.headers());
                n.put("max_response_size_bytes", h.maxResponseSizeBytes());
                n.put("timeout_seconds", h.timeoutSeconds());
                auth(n, h.auth(), redact);
            }
            case ConnectionDetails.Slack s -> {
                if (s.webhookUrl() != null) secret(n, "webhook_url", s.webhookUrl(), redact);
                if (s.botToken() != null) secret(n, "bot_token", s.botToken(), redact);
                n.put("default_channel", s.defaultChannel());
            }
        }
        return root;
    }

    private static void secret(ObjectNode n, String name, String value, boolean redact) {
        if (redact) n.put(name + "_set", value != null);
        else n.put(name, value);
    }

    private static void auth(ObjectNode n, Auth a, boolean redact) {
        if (a == null) return;
        if (redact) AuthJson.putView(n, a);
        else n.setAll(AuthJson.write(a));
    }

    private static void strings(ArrayNode a, List<String> values) {
        values.forEach(a::add);
    }

    private static void map(ObjectNode o, Map<String, String> m) {
        m.forEach(o::put);
    }

    /** Reads what {@link #write} wrote. */
    public static ConnectionDetails parse(JsonNode root) {
        String type = root.propertyNames().iterator().next();
        JsonNode n = root.get(type);
        return switch (type) {
            case ConnectionDetails.EmailWebhook.TYPE -> new ConnectionDetails.EmailWebhook(n.get("base_url").asString(), stringMap(n.get("headers")),
                    n.get("max_response_size_bytes").asLong(), n.get("timeout_seconds").asInt(), text(n, "webhook_signing_secret"),
                    text(n, "slack_connection_name"), text(n, "slack_channel"), storedAuth(n));
            case ConnectionDetails.Http.TYPE -> {
                List<String> routes = new ArrayList<>();
                n.get("allowed_routes").forEach(r -> routes.add(r.asString()));
                yield new ConnectionDetails.Http(n.get("base_url").asString(), List.copyOf(routes), stringMap(n.get("headers")),
                        n.get("max_response_size_bytes").asLong(), n.get("timeout_seconds").asInt(), storedAuth(n));
            }
            case ConnectionDetails.Slack.TYPE -> new ConnectionDetails.Slack(text(n, "webhook_url"), text(n, "bot_token"), text(n, "default_channel"));
            default -> throw new IllegalStateException("unknown stored connection type " + type.toLowerCase(Locale.ROOT));
        };
    }

    private static Auth storedAuth(JsonNode n) {
        for (String m : Auth.METHODS) {
            if (n.has(m)) {
                ObjectNode one = Json.object();
                one.set(m, n.get(m));
                return AuthJson.parse(one);
            }
        }
        return null;
    }

    private static String text(JsonNode n, String name) {
        JsonNode v = n.get(name);
        return v == null || v.isNull() ? null : v.asString();
    }

    private static Map<String, String> stringMap(JsonNode obj) {
        Map<String, String> out = new LinkedHashMap<>();
        if (obj != null) obj.properties().forEach(e -> out.put(e.getKey(), e.getValue().asString()));
        return out;
    }
}
