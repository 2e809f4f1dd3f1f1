package dev.herald.mail;

import dev.herald.util.Json;
import java.time.Instant;
import java.util.List;
import tools.jackson.databind.node.ObjectNode;

/**
 * An HTTP target of routes: a URL, custom headers (sealed: they often carry credentials), a timeout and
 * the header the signature goes in. The secret and the custom headers' values are never shown again
 * after creation; the view names the headers only.
 */
public record Endpoint(String id, String projectId, String name, String url, String headersSealed, List<String> headerNames, int timeoutSeconds,
                       String signatureHeader, String secretSealed, String secretKid, String previousSecretSealed, String previousSecretKid,
                       Long previousSecretUntil, long createdAt, long updatedAt) {
    public static final String DEFAULT_SIGNATURE_HEADER = "X-MailWebhook-Signature";

    static String secretContext(String id) {
        return "mail-endpoint:" + id;
    }

    static String headersContext(String id) {
        return "mail-endpoint-headers:" + id;
    }

    public ObjectNode json() {
        ObjectNode n = Json.object();
        n.put("id", id);
        n.put("name", name);
        n.put("url", url);
        ObjectNode h = n.putObject("headers");
        for (String name : headerNames) h.put(name, "(redacted)");
        n.put("timeout_seconds", timeoutSeconds);
        n.put("signature_header", signatureHeader);
        n.put("secret_kid", secretKid);
        n.put("created_at", Instant.ofEpochMilli(createdAt).toString());
        n.put("updated_at", Instant.ofEpochMilli(updatedAt).toString());
        return n;
    }
}
