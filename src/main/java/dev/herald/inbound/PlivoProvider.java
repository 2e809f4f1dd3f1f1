package dev.herald.inbound;

import dev.herald.signing.Hmac;
import dev.herald.util.JsonBody;
import dev.herald.util.Problem;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Plivo message callbacks (status updates of SMS, MMS and WhatsApp messages, and incoming messages).
 *
 * <p>V3 ({@code X-Plivo-Signature-V3}, or {@code X-Plivo-Signature-Ma-V3} signed with the main
 * account's token, nonce in {@code X-Plivo-Signature-V3-Nonce}): base64 HMAC-SHA256 with the Auth Token
 * over the string Plivo's SDKs build for a POST: the URL without its query, then {@code ?} and the
 * query parameters sorted ({@code name=value} joined by {@code &}), a {@code .} when there are both
 * query and POST parameters, the POST parameters sorted (each name followed by its value, no
 * separator), then {@code .} and the nonce. A header may hold several comma-separated signatures (one
 * per active token): any one matching suffices.
 *
 * <p>V2 ({@code X-Plivo-Signature-V2} or {@code -Ma-V2}, nonce in {@code X-Plivo-Signature-V2-Nonce}):
 * base64 HMAC-SHA256 over the URL without its query followed by the nonce. Hazard: V2 signs neither
 * the body nor the query, so anyone who saw one V2-signed request can replay its headers with any body.
 * Herald therefore accepts V2 only when the source's {@code accept_v2} option is on, and only on a
 * request that carries no V3 signature.
 *
 * <p>Neither version signs a time: a replay is caught by de-duplication on (MessageUUID, Status).
 */
final class PlivoProvider implements Provider {
    static final String V3 = "X-Plivo-Signature-V3";
    static final String MA_V3 = "X-Plivo-Signature-Ma-V3";
    static final String V3_NONCE = "X-Plivo-Signature-V3-Nonce";
    static final String V2 = "X-Plivo-Signature-V2";
    static final String MA_V2 = "X-Plivo-Signature-Ma-V2";
    static final String V2_NONCE = "X-Plivo-Signature-V2-Nonce";
    static final Pattern AUTH_ID = Pattern.compile("[MS]A[A-Z0-9]{18}");
    static final Pattern TOKEN = Pattern.compile("[\\x21-\\x7e]{8,256}");

    /** Plivo's Status values and Herald's status for each; others are recorded but produce no status. */
    static final Map<String, String> STATUS = Map.of("queued", "accepted", "sent", "sent", "delivered", "delivered", "undelivered", "failed",
            "failed", "failed", "rejected", "failed", "read", "read", "received", "received");

    @Override
    public String name() {
        return "plivo";
    }

    @Override
    public Map<String, String> credentials(JsonBody in) {
        if (in == null) throw Problem.invalid("credentials", "'credentials' is required: {\"auth_token\": \"...\"}");
        in.only(Set.of("auth_token"));
        String token = in.string("auth_token", true).strip();
        if (AUTH_ID.matcher(token).matches()) {
            throw Problem.invalid(in.path("auth_token"), "'" + in.path("auth_token") + "' is an Auth ID; give the Auth Token shown beside it");
        }
        if (!TOKEN.matcher(token).matches()) {
            throw Problem.invalid(in.path("auth_token"), "'" + in.path("auth_token")
                    + "' must be your Plivo Auth Token (8 to 256 visible characters, no spaces)");
        }
        return Map.of("auth_token", token);
    }

    @Override
    public Map<String, Object> options(JsonBody in) {
        if (in == null) return Map.of("accept_v2", false);
        in.only(Set.of("accept_v2"));
        Boolean v2 = in.bool("accept_v2");
        return Map.of("accept_v2", v2 != null && v2);
    }

    @Override
    public String verify(CallbackRequest r, Source source, Instant now) {
        for (String h : List.of(V3, MA_V3, V3_NONCE, V2, MA_V2, V2_NONCE)) {
            if (r.headerCount(h) > 1) return h + " header given more than once";
        }
        byte[] key = source.credential("auth_token").getBytes(StandardCharsets.UTF_8);
        if (r.headerCount(V3) + r.headerCount(MA_V3) > 0) {
            if (r.headerCount(V3_NONCE) == 0) return "missing " + V3_NONCE + " header";
            String signed = v3String(r.url(), CallbackRequest.form(r.bodyText()), r.header(V3_NONCE));
            String expected = Base64.getEncoder().encodeToString(Hmac.sha256(key, signed.getBytes(StandardCharsets.UTF_8)));
            return anyMatches(expected, r.header(V3), r.header(MA_V3)) ? null : "signature mismatch (V3)";
        }
        if (r.headerCount(V2) + r.headerCount(MA_V2) > 0) {
            if (!Boolean.TRUE.equals(source.options().get("accept_v2"))) {
                return "only a V2 signature, which does not sign the body; Herald accepts it only with options.accept_v2";
            }
            if (r.headerCount(V2_NONCE) == 0) return "missing " + V2_NONCE + " header";
            String signed = withoutQuery(r.url()) + r.header(V2_NONCE);
            String expected = Base64.getEncoder().encodeToString(Hmac.sha256(key, signed.getBytes(StandardCharsets.UTF_8)));
            return anyMatches(expected, r.header(V2), r.header(MA_V2)) ? null : "signature mismatch (V2)";
        }
        return "missing " + V3 + " header";
    }

    /** Whether any comma-separated signature in any of the headers equals {@code expected}, each compared in constant time. */
    private static boolean anyMatches(String expected, String... headers) {
        boolean matched = false;
        for (String h : headers) {
            if (h == null) continue;
            for (String candidate : h.split(",")) matched |= Hmac.equal(expected, candidate.trim());
        }
        return matched;
    }

    /** The string Plivo's SDKs sign for a POST callback with V3 (before the nonce's {@code .}). */
    static String v3String(String url, Map<String, List<String>> params, String nonce) {
        int q = url.indexOf('?');
        String base = withoutQuery(url);
        String query = sorted(CallbackRequest.form(q < 0 ? "" : url.substring(q + 1)), "=", "&");
        StringBuilder s = new StringBuilder(base);
        if (!query.isEmpty() || !params.isEmpty()) s.append('?').append(query);
        if (!query.isEmpty() && !params.isEmpty()) s.append('.');
        s.append(sorted(params, "", "")).append('.').append(nonce);
        return s.toString();
    }

    /** Names sorted, each name's values sorted, as {@code name + between + value} joined by {@code joiner}. */
    private static String sorted(Map<String, List<String>> params, String between, String joiner) {
        List<String> parts = new ArrayList<>();
        new TreeMap<>(params).forEach((name, values) -> values.stream().sorted().forEach(v -> parts.add(name + between + v)));
        return String.join(joiner, parts);
    }

    private static String withoutQuery(String url) {
        int cut = url.length();
        for (char c : new char[] {'?', '#'}) {
            int i = url.indexOf(c);
            if (i >= 0 && i < cut) cut = i;
        }
        return url.substring(0, cut);
    }

    @Override
    public List<StatusItem> parse(CallbackRequest r, Source source) {
        Map<String, List<String>> p = CallbackRequest.form(r.bodyText());
        String uuid = first(p, "MessageUUID");
        if (uuid == null) return List.of();
        String providerStatus = first(p, "Status");
        if (providerStatus == null) providerStatus = "received";
        String status = STATUS.get(providerStatus.toLowerCase(Locale.ROOT));
        if (status == null) return List.of();
        String channel = "whatsapp".equalsIgnoreCase(first(p, "Type")) ? "whatsapp" : "sms";
        String key = uuid + ":" + providerStatus.toLowerCase(Locale.ROOT);
        return List.of(new StatusItem(channel, status, providerStatus, uuid, null, first(p, "To"), first(p, "ErrorCode"), null, null, key, null));
    }

    private static String first(Map<String, List<String>> p, String name) {
        List<String> v = p.get(name);
        return v == null || v.isEmpty() || v.get(0).isBlank() ? null : v.get(0);
    }
}
