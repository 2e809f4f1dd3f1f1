package dev.herald.inbound;

import dev.herald.signing.Hmac;
import dev.herald.util.Hashes;
import dev.herald.util.JsonBody;
import dev.herald.util.Problem;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;

/**
 * Twilio Messaging callbacks (SMS and WhatsApp: status callbacks and incoming messages), verified by
 * {@code X-Twilio-Signature}: base64 HMAC-SHA1 with the account's Auth Token over the full URL Twilio
 * called followed by the POST form parameters sorted by name, each name followed by its value (a name
 * given several times: its distinct values in sorted order, as Twilio's own validators do). A JSON body
 * is signed instead through the {@code bodySHA256} query parameter: the signature covers the URL alone
 * and the body's hex SHA-256 must equal that parameter. Twilio sometimes signs an https URL with
 * {@code :443} and sometimes without, so both forms of the callback URL are tried, as twilio-node's
 * {@code validateRequest} does.
 *
 * <p>Hazard: Twilio signs no timestamp. A replayed callback verifies; it is caught only by
 * de-duplication on (MessageSid, MessageStatus), so the event key must never include anything a
 * replayer could vary without breaking the signature.
 */
final class TwilioProvider implements Provider {
    static final String SIGNATURE = "X-Twilio-Signature";
    static final String BODY_HASH = "bodySHA256";
    static final Pattern AUTH_TOKEN = Pattern.compile("[0-9a-fA-F]{32}");
    static final String WHATSAPP = "whatsapp:";

    /** Twilio's MessageStatus values and Herald's status for each; others are recorded but produce no status. */
    static final Map<String, String> STATUS = Map.ofEntries(
            Map.entry("accepted", "accepted"), Map.entry("queued", "accepted"), Map.entry("sending", "sent"), Map.entry("sent", "sent"),
            Map.entry("delivered", "delivered"), Map.entry("undelivered", "failed"), Map.entry("failed", "failed"), Map.entry("read", "read"),
            Map.entry("receiving", "received"), Map.entry("received", "received"));

    @Override
    public String name() {
        return "twilio";
    }

    @Override
    public Map<String, String> credentials(JsonBody in) {
        if (in == null) throw Problem.invalid("credentials", "'credentials' is required: {\"auth_token\": \"...\"}");
        in.only(Set.of("auth_token"));
        String token = in.string("auth_token", true).strip();
        if (!AUTH_TOKEN.matcher(token).matches()) {
            throw Problem.invalid(in.path("auth_token"), "'" + in.path("auth_token")
                    + "' must be your Twilio Auth Token: 32 hexadecimal characters (Console, Account Info), not the Account SID or an API key");
        }
        return Map.of("auth_token", token);
    }

    @Override
    public String verify(CallbackRequest r, Source source, Instant now) {
        String headers = r.notExactlyOnce(SIGNATURE);
        if (headers != null) return headers;
        String given = r.header(SIGNATURE).trim();
        List<String> bodyHash = CallbackRequest.form(r.rawQuery()).get(BODY_HASH);
        if (bodyHash != null && bodyHash.size() > 1) return BODY_HASH + " given more than once";
        byte[] params = bodyHash != null ? new byte[0] : signedParams(CallbackRequest.form(r.bodyText())).getBytes(StandardCharsets.UTF_8);
        byte[] key = source.credential("auth_token").getBytes(StandardCharsets.UTF_8);
        boolean matched = false;
        for (String url : urlForms(r.url())) {
            String expected = Base64.getEncoder().encodeToString(Hmac.sha1(key, url.getBytes(StandardCharsets.UTF_8), params));
            matched |= Hmac.equal(expected, given);
        }
        if (!matched) return "signature mismatch";
        if (bodyHash != null && !Hmac.equal(Hashes.sha256Hex(r.body()), bodyHash.get(0).toLowerCase(Locale.ROOT))) {
            return "body does not match its " + BODY_HASH;
        }
        return null;
    }

    /** The parameters as Twilio signs them: names sorted, each followed by its value; a repeated name's distinct values sorted. */
    static String signedParams(Map<String, List<String>> form) {
        StringBuilder s = new StringBuilder();
        new TreeMap<>(form).forEach((name, values) -> {
            for (String v : new TreeSet<>(values)) s.append(name).append(v);
        });
        return s.toString();
    }

    /**
     * The URL without its port and the URL with the scheme's default port added when it has none (an
     * explicit port kept), as twilio-node's validateRequest tries them: Twilio's signing of the port
     * is inconsistent.
     */
    static List<String> urlForms(String url) {
        int scheme = url.indexOf("://");
        if (scheme < 0) return List.of(url);
        int start = scheme + 3;
        int end = url.length();
        for (char c : new char[] {'/', '?', '#'}) {
            int i = url.indexOf(c, start);
            if (i >= 0 && i < end) end = i;
        }
        String authority = url.substring(start, end);
        int at = authority.lastIndexOf('@');
        String userInfo = authority.substring(0, at + 1);
        String hostPort = authority.substring(at + 1);
        int bracket = hostPort.lastIndexOf(']');
        int colon = hostPort.lastIndexOf(':');
        String host = colon > bracket ? hostPort.substring(0, colon) : hostPort;
        boolean hasPort = colon > bracket;
        String prefix = url.substring(0, start) + userInfo;
        String rest = url.substring(end);
        String defaultPort = url.substring(0, scheme).equalsIgnoreCase("https") ? "443" : "80";
        Set<String> forms = new LinkedHashSet<>();
        forms.add(prefix + host + rest);
        forms.add(hasPort ? url : prefix + host + ":" + defaultPort + rest);
        return List.copyOf(forms);
    }

    @Override
    public List<StatusItem> parse(CallbackRequest r, Source source) {
        Map<String, List<String>> p = CallbackRequest.form(r.rawQuery()).containsKey(BODY_HASH) ? jsonFields(r) : CallbackRequest.form(r.bodyText());
        String sid = first(p, "MessageSid");
        if (sid == null) sid = first(p, "SmsSid");
        if (sid == null) return List.of();
        String providerStatus = first(p, "MessageStatus");
        if (providerStatus == null) providerStatus = first(p, "SmsStatus");
        if (providerStatus == null && first(p, "Body") != null) providerStatus = "received";
        String status = providerStatus == null ? null : STATUS.get(providerStatus.toLowerCase(Locale.ROOT));
        if (status == null) return List.of();
        String from = first(p, "From");
        String to = first(p, "To");
        String channel = isWhatsApp(from) || isWhatsApp(to) ? "whatsapp" : "sms";
        String code = first(p, "ErrorCode");
        String message = first(p, "ErrorMessage");
        String reason = code == null && message == null ? null : code == null ? message : message == null ? code : code + ": " + message;
        String key = sid + ":" + (status.equals("received") ? "received" : providerStatus);
        return List.of(new StatusItem(channel, status, providerStatus, sid, null, address(to), reason, null, null, key, null));
    }

    /** A JSON body's top-level text and number fields, read like form parameters. */
    private static Map<String, List<String>> jsonFields(CallbackRequest r) {
        JsonNode root = Payloads.json(r);
        if (!root.isObject()) throw Payloads.invalid("a JSON callback body must be a JSON object");
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (String name : root.propertyNames()) {
            String v = Payloads.text(root, name);
            if (v != null) out.computeIfAbsent(name, x -> new ArrayList<>()).add(v);
        }
        return out;
    }

    private static boolean isWhatsApp(String address) {
        return address != null && address.regionMatches(true, 0, WHATSAPP, 0, WHATSAPP.length());
    }

    /** The phone number of an address, without Twilio's {@code whatsapp:} prefix. */
    private static String address(String a) {
        return isWhatsApp(a) ? a.substring(WHATSAPP.length()) : a;
    }

    private static String first(Map<String, List<String>> p, String name) {
        List<String> v = p.get(name);
        return v == null || v.isEmpty() || v.get(0).isEmpty() ? null : v.get(0);
    }
}
