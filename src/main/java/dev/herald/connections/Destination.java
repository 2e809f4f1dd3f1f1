package dev.herald.connections;

import dev.herald.outbound.Auth;
import dev.herald.util.Hashes;
import dev.herald.util.Json;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BiFunction;
import tools.jackson.databind.node.ObjectNode;

/**
 * Where and as whom an {@code email_webhook} connection sends, in a form that may be shown to a
 * reviewer: the method and URL, the non-auth headers, the auth method with its non-secret identity
 * (OAuth token URL, client id, scopes and extra parameters; basic-auth user name) or, where the secret
 * is the identity (a bearer token, static auth headers), its fingerprint, and the signing header with
 * the signing secret's fingerprint. {@code sha256} is the SHA-256 of {@code description}'s JSON: an
 * approval records it, and a send whose destination hashes differently is not the one approved.
 *
 * <p>Left out on purpose, so that changing them keeps approvals: a basic-auth password or an OAuth
 * client secret rotated for the same user or client, the timeout, the response cap and the Slack
 * notice settings. Secrets are never part of the description, only keyed fingerprints of them
 * ({@link dev.herald.signing.SecretBox#fingerprint}).
 */
public record Destination(String connectionId, ObjectNode description, String sha256) {
    /** The version of the description's shape: a new shape is a new version, and hashes of different versions never match. */
    static final int VERSION = 1;

    /** Describes {@code d}; {@code fingerprint} maps (secret, what it is) to its fingerprint. */
    static Destination of(String connectionId, ConnectionDetails.EmailWebhook d, BiFunction<String, String, String> fingerprint) {
        String context = Connection.context(connectionId);
        ObjectNode n = Json.object();
        n.put("version", VERSION);
        n.put("connection_id", connectionId);
        n.put("method", "POST");
        n.put("url", d.baseUrl());
        ObjectNode headers = n.putObject("headers");
        sorted(d.headers()).forEach(headers::put);
        Auth a = d.auth();
        if (a == null) {
            n.putNull("auth");
        } else {
            ObjectNode auth = n.putObject("auth");
            auth.put("method", a.method());
            switch (a) {
                case Auth.OAuthClientCredentials o -> {
                    auth.put("token_url", o.tokenUrl());
                    auth.put("client_id", o.clientId());
                    auth.put("scopes", o.scopes());
                    ObjectNode extra = auth.putObject("extra_params");
                    sorted(o.extraParams()).forEach(extra::put);
                }
                case Auth.BearerToken b -> auth.put("token_fingerprint", fingerprint.apply(b.token(), context + ":bearer_token"));
                case Auth.BasicAuth b -> auth.put("username", b.username());
                case Auth.StaticHeaders s -> {
                    ObjectNode h = auth.putObject("header_fingerprints");
                    sorted(s.headers()).forEach((name, value) -> h.put(name, fingerprint.apply(value, context + ":static_headers:" + name)));
                }
            }
        }
        if (d.webhookSigningSecret() == null) {
            n.putNull("signature");
        } else {
            ObjectNode sig = n.putObject("signature");
            sig.put("header", "X-Webhook-Signature");
            sig.put("scheme", "sha256=<hex HMAC-SHA256 of the body>");
            sig.put("secret_fingerprint", fingerprint.apply(d.webhookSigningSecret(), context + ":webhook_signing_secret"));
        }
        return new Destination(connectionId, n, Hashes.sha256Hex(Json.write(n)));
    }

    /** Header names compare case-insensitively; sorting them so makes the description independent of the order they were given in. */
    private static Map<String, String> sorted(Map<String, String> m) {
        Map<String, String> out = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        out.putAll(m);
        return out;
    }
}
