package dev.herald.outbound;

import dev.herald.util.Json;
import dev.herald.util.JsonBody;
import dev.herald.util.Problem;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The auth oneof as JSON: read from a request (exactly one method; secrets of the stored method are kept
 * when a change omits them), written in full for sealing, and shown redacted ({@code *_set} flags
 * instead of secret values).
 */
public final class AuthJson {
    private static final Set<String> OAUTH_FIELDS = Set.of("token_url", "client_id", "client_secret", "scopes", "extra_params");
    private static final Set<String> RESERVED_PARAMS = Set.of("grant_type", "client_id", "client_secret", "scope");

    private AuthJson() {}

    /** The methods present at this level of {@code in} (non-null values). */
    public static List<String> present(JsonBody in) {
        List<String> out = new ArrayList<>();
        for (String m : Auth.METHODS) {
            JsonNode v = in.raw(m);
            if (v != null && !v.isNull()) out.add(m);
        }
        return out;
    }

    /**
     * Reads the oneof whose keys sit directly in {@code in}. Returns null when none is set and
     * {@code required} is false. Two methods, or none when one is required, is a 400 naming the fields.
     */
    public static Auth read(JsonBody in, Auth previous, boolean required, OutboundPolicy policy, Function<String, String> refusedHeader) {
        List<String> methods = present(in);
        if (methods.size() > 1) {
            List<String> paths = methods.stream().map(in::path).toList();
            throw Problem.invalid(paths.get(1), "set exactly one auth method, not " + String.join(" and ", paths.stream().map(p -> "'" + p + "'").toList()));
        }
        if (methods.isEmpty()) {
            if (required) {
                String where = in.prefix().isEmpty() ? "auth" : in.prefix();
                throw Problem.invalid(where, "'" + where + "' needs exactly one auth method: one of " + String.join(", ", Auth.METHODS));
            }
            return null;
        }
        String m = methods.get(0);
        return switch (m) {
            case Auth.OAuthClientCredentials.METHOD -> oauth(in.object(m, OAUTH_FIELDS), previous instanceof Auth.OAuthClientCredentials p ? p : null, policy);
            case Auth.BearerToken.METHOD -> {
                JsonBody b = in.object(m, Set.of("token"));
                String token = b.string("token", !(previous instanceof Auth.BearerToken));
                if (token == null) yield previous;
                yield new Auth.BearerToken(visible(token, b.path("token"), 8192));
            }
            case Auth.BasicAuth.METHOD -> {
                JsonBody b = in.object(m, Set.of("username", "password"));
                String user = b.string("username", true);
                if (user.isEmpty() || user.contains(":")) throw Problem.invalid(b.path("username"), "'" + b.path("username") + "' must be non-empty and contain no ':'");
                noControl(user, b.path("username"));
                String password = b.string("password", !(previous instanceof Auth.BasicAuth));
                if (password == null) password = ((Auth.BasicAuth) previous).password();
                noControl(password, b.path("password"));
                yield new Auth.BasicAuth(user, password);
            }
            case Auth.StaticHeaders.METHOD -> {
                JsonBody b = in.object(m, Set.of("headers"));
                Map<String, String> h = b.stringMap("headers");
                if (h == null) {
                    if (previous instanceof Auth.StaticHeaders p) yield p;
                    throw Problem.invalid(b.path("headers"), "'" + b.path("headers") + "' is required");
                }
                if (h.isEmpty()) throw Problem.invalid(b.path("headers"), "'" + b.path("headers") + "' must name at least one header");
                yield new Auth.StaticHeaders(HeaderInput.check(h, b.path("headers"), 20, refusedHeader));
            }
            default -> throw new IllegalStateException(m);
        };
    }

    private static Auth.OAuthClientCredentials oauth(JsonBody o, Auth.OAuthClientCredentials previous, OutboundPolicy policy) {
        String tokenUrl = url(o.string("token_url", true), o.path("token_url"), policy);
        String clientId = o.string("client_id", true);
        if (clientId.isBlank() || clientId.length() > 1024) throw Problem.invalid(o.path("client_id"), "'" + o.path("client_id") + "' must be 1-1024 characters");
        noControl(clientId, o.path("client_id"));
        String secret = o.string("client_secret", previous == null);
        if (secret == null) secret = previous.clientSecret();
        if (secret.isEmpty() || secret.length() > 4096) throw Problem.invalid(o.path("client_secret"), "'" + o.path("client_secret") + "' must be 1-4096 characters");
        noControl(secret, o.path("client_secret"));
        String scopes = null;
        JsonNode s = o.raw("scopes");
        if (s != null && !s.isNull()) {
            List<String> list = s.isString() ? List.of(s.asString().trim().split("\\s+")) : o.strings("scopes");
            for (String scope : list) {
                if (scope.isEmpty() && list.size() == 1) continue;
                if (!scope.matches("[\\x21\\x23-\\x5B\\x5D-\\x7E]+")) {
                    throw Problem.invalid(o.path("scopes"), "'" + o.path("scopes") + "' must be space-separated scope tokens (RFC 6749 §3.3)");
                }
            }
            scopes = String.join(" ", list).trim();
            if (scopes.isEmpty()) scopes = null;
        }
        Map<String, String> extra = o.stringMap("extra_params");
        if (extra == null) extra = Map.of();
        if (extra.size() > 20) throw Problem.invalid(o.path("extra_params"), "'" + o.path("extra_params") + "' may have at most 20 entries");
        for (Map.Entry<String, String> e : extra.entrySet()) {
            String f = o.path("extra_params") + "." + e.getKey();
            if (e.getKey().isEmpty() || RESERVED_PARAMS.contains(e.getKey())) {
                throw Problem.invalid(f, "'" + e.getKey() + "' cannot be an extra parameter: Herald sets grant_type, client_id, client_secret and scope itself");
            }
            noControl(e.getValue(), f);
        }
        return new Auth.OAuthClientCredentials(tokenUrl, clientId, secret, scopes, new LinkedHashMap<>(extra));
    }

    /** A URL field checked against the outbound policy: a bad one is {@code 400 url_rejected} naming the field and the rule. */
    public static String url(String url, String field, OutboundPolicy policy) {
        if (url.length() > 2048) throw Problem.invalid(field, "'" + field + "' must be at most 2048 characters");
        try {
            return policy.checkUrl(url).toString();
        } catch (PolicyDeniedException e) {
            throw new Problem(Problem.Kind.INVALID, "url_rejected", "'" + field + "' rejected (" + e.rule() + "): " + e.getMessage(), field);
        }
    }

    private static String visible(String v, String field, int max) {
        if (v.isEmpty() || v.length() > max) throw Problem.invalid(field, "'" + field + "' must be 1-" + max + " characters");
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c <= 0x20 || c >= 0x7f) throw Problem.invalid(field, "'" + field + "' must be printable ASCII without spaces");
        }
        return v;
    }

    private static void noControl(String v, String field) {
        for (int i = 0; i < v.length(); i++) {
            if (Character.isISOControl(v.charAt(i))) throw Problem.invalid(field, "'" + field + "' contains a control character");
        }
    }

    /** The full value, secrets included, for sealing: {@code {"<method>": {...}}}. */
    public static ObjectNode write(Auth a) {
        ObjectNode root = Json.object();
        ObjectNode n = root.putObject(a.method());
        switch (a) {
            case Auth.OAuthClientCredentials o -> {
                n.put("token_url", o.tokenUrl());
                n.put("client_id", o.clientId());
                n.put("client_secret", o.clientSecret());
                n.put("scopes", o.scopes());
                ObjectNode x = n.putObject("extra_params");
                o.extraParams().forEach(x::put);
            }
            case Auth.BearerToken b -> n.put("token", b.token());
            case Auth.BasicAuth b -> {
                n.put("username", b.username());
                n.put("password", b.password());
            }
            case Auth.StaticHeaders s -> {
                ObjectNode h = n.putObject("headers");
                s.headers().forEach(h::put);
            }
        }
        return root;
    }

    /** Reads what {@link #write} wrote (the key is the one property of {@code root}). */
    public static Auth parse(JsonNode root) {
        if (root == null || root.isNull()) return null;
        for (String m : Auth.METHODS) {
            JsonNode n = root.get(m);
            if (n == null) continue;
            return switch (m) {
                case Auth.OAuthClientCredentials.METHOD -> new Auth.OAuthClientCredentials(n.get("token_url").asString(), n.get("client_id").asString(),
                        n.get("client_secret").asString(), n.path("scopes").isString() ? n.get("scopes").asString() : null, strings(n.get("extra_params")));
                case Auth.BearerToken.METHOD -> new Auth.BearerToken(n.get("token").asString());
                case Auth.BasicAuth.METHOD -> new Auth.BasicAuth(n.get("username").asString(), n.get("password").asString());
                default -> new Auth.StaticHeaders(strings(n.get("headers")));
            };
        }
        throw new IllegalStateException("stored auth names no known method");
    }

    private static Map<String, String> strings(JsonNode obj) {
        Map<String, String> out = new LinkedHashMap<>();
        if (obj != null) obj.properties().forEach(e -> out.put(e.getKey(), e.getValue().asString()));
        return out;
    }

    /** Adds the redacted view, {@code "<method>": {...}}, to {@code target}: secrets become {@code <field>_set: true}. */
    public static void putView(ObjectNode target, Auth a) {
        ObjectNode n = target.putObject(a.method());
        switch (a) {
            case Auth.OAuthClientCredentials o -> {
                n.put("token_url", o.tokenUrl());
                n.put("client_id", o.clientId());
                n.put("client_secret_set", true);
                n.put("scopes", o.scopes());
                ObjectNode x = n.putObject("extra_params");
                o.extraParams().forEach(x::put);
            }
            case Auth.BearerToken b -> n.put("token_set", true);
            case Auth.BasicAuth b -> {
                n.put("username", b.username());
                n.put("password_set", true);
            }
            case Auth.StaticHeaders s -> {
                var names = n.putArray("header_names");
                s.headers().keySet().forEach(names::add);
            }
        }
    }
}
