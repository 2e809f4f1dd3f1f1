package dev.herald.inbound;

import dev.herald.signing.Hmac;
import dev.herald.util.JsonBody;
import dev.herald.util.Problem;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/**
 * Meta's WhatsApp Cloud API webhooks. Set-up: Meta calls {@code GET ?hub.mode=subscribe&hub.verify_token=
 * <yours>&hub.challenge=<n>} and expects the challenge back (403 otherwise). Every POST carries
 * {@code X-Hub-Signature-256: sha256=<hex HMAC-SHA256(app secret, raw body)>}. Message statuses
 * ({@code sent, delivered, read, failed}) and inbound messages ({@code received}) are read from
 * {@code entry[].changes[].value}.
 */
final class MetaWhatsAppProvider implements Provider {
    static final String SIGNATURE = "X-Hub-Signature-256";
    static final Map<String, String> STATUS = Map.of("sent", "sent", "delivered", "delivered", "read", "read", "failed", "failed");

    @Override
    public String name() {
        return "meta_whatsapp";
    }

    @Override
    public Map<String, String> credentials(JsonBody in) {
        if (in == null) throw Problem.invalid("credentials", "'credentials' is required: {\"app_secret\": \"...\", \"verify_token\": \"...\"}");
        in.only(Set.of("app_secret", "verify_token"));
        String secret = in.string("app_secret", true);
        String token = in.string("verify_token", true);
        if (secret.isBlank() || secret.length() > 256) throw Problem.invalid(in.path("app_secret"), "'" + in.path("app_secret") + "' must be 1 to 256 characters");
        if (token.isBlank() || token.length() > 256) throw Problem.invalid(in.path("verify_token"), "'" + in.path("verify_token") + "' must be 1 to 256 characters");
        return Map.of("app_secret", secret, "verify_token", token);
    }

    @Override
    public String verify(CallbackRequest r, Source source, Instant now) {
        String headers = r.notExactlyOnce(SIGNATURE);
        if (headers != null) return headers;
        String given = r.header(SIGNATURE).trim();
        if (!given.startsWith("sha256=")) return SIGNATURE + " must start with sha256=";
        byte[] expected = Hmac.sha256(source.credential("app_secret").getBytes(StandardCharsets.UTF_8), r.body());
        return Hmac.equal("sha256=" + HexFormat.of().formatHex(expected), given.toLowerCase(java.util.Locale.ROOT)) ? null : "signature mismatch";
    }

    @Override
    public Optional<Handshake> handshake(CallbackRequest r, Source source) {
        Map<String, List<String>> q = CallbackRequest.form(r.rawQuery());
        String mode = first(q, "hub.mode");
        String token = first(q, "hub.verify_token");
        String challenge = first(q, "hub.challenge");
        if (!"subscribe".equals(mode) || challenge == null) return Optional.of(new Handshake(false, null, "not a subscribe handshake"));
        if (!Hmac.equal(source.credential("verify_token"), token)) return Optional.of(new Handshake(false, null, "verify_token mismatch"));
        if (challenge.length() > 256) return Optional.of(new Handshake(false, null, "hub.challenge too long"));
        return Optional.of(new Handshake(true, challenge, null));
    }

    private static String first(Map<String, List<String>> q, String k) {
        List<String> v = q.get(k);
        return v == null || v.size() != 1 ? null : v.get(0);
    }

    @Override
    public List<StatusItem> parse(CallbackRequest r, Source source) {
        JsonNode root = Payloads.json(r);
        if (!root.isObject()) throw Payloads.invalid("the body must be a JSON object");
        List<StatusItem> out = new ArrayList<>();
        for (JsonNode entry : array(root, "entry")) {
            for (JsonNode change : array(entry, "changes")) {
                JsonNode value = change.get("value");
                if (value == null || !value.isObject()) continue;
                JsonNode metadata = value.get("metadata");
                String ourNumber = Payloads.text(metadata, "display_phone_number");
                for (JsonNode s : array(value, "statuses")) {
                    String providerStatus = Payloads.text(s, "status");
                    String status = providerStatus == null ? null : STATUS.get(providerStatus);
                    String id = Payloads.text(s, "id");
                    if (status == null || id == null) continue;
                    String reason = null;
                    for (JsonNode err : array(s, "errors")) {
                        String code = Payloads.text(err, "code");
                        String title = Payloads.text(err, "title");
                        String message = Payloads.text(err, "message");
                        reason = (code == null ? "" : code + ": ") + (message != null ? message : title == null ? "" : title);
                        break;
                    }
                    String ts = Payloads.text(s, "timestamp");
                    out.add(new StatusItem("whatsapp", status, providerStatus, id, null, Payloads.text(s, "recipient_id"), reason, null,
                            Payloads.epochSeconds(s, "timestamp"), id + ":" + providerStatus + ":" + (ts == null ? "" : ts), null));
                }
                for (JsonNode m : array(value, "messages")) {
                    String id = Payloads.text(m, "id");
                    if (id == null) continue;
                    out.add(new StatusItem("whatsapp", "received", Payloads.text(m, "type"), id, null, ourNumber, null, null,
                            Payloads.epochSeconds(m, "timestamp"), id + ":received", null));
                }
            }
        }
        return out;
    }

    private static Iterable<JsonNode> array(JsonNode n, String field) {
        JsonNode v = n == null ? null : n.get(field);
        return v != null && v.isArray() ? v : List.of();
    }
}
