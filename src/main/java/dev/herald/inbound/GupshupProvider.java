package dev.herald.inbound;

import dev.herald.signing.Hmac;
import dev.herald.util.Cidr;
import dev.herald.util.IpLiterals;
import dev.herald.util.JsonBody;
import dev.herald.util.Problem;
import java.net.InetAddress;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;

/**
 * Gupshup WhatsApp API callbacks (the Gupshup v2 format: {@code message-event} statuses and incoming
 * {@code message}s). Gupshup documents no signature, so Herald authenticates a callback by a shared
 * token the user chooses and configures Gupshup to send in a header ({@code X-Herald-Token} unless the
 * {@code header} option names another), compared in constant time, and, when {@code allowed_ips} is
 * set, by the peer's address being in one of those ranges.
 *
 * <p>Hazard: this is weaker than a signature. The token travels with every request and authenticates
 * any body sent with it: whoever learns it (a log, a proxy, Gupshup's dashboard) can forge callbacks
 * until it is rotated, and nothing binds a request to its body or its time. The allow-list is judged on
 * the address of the TCP peer, which is a load balancer's when Herald runs behind one.
 */
final class GupshupProvider implements Provider {
    static final String DEFAULT_HEADER = "X-Herald-Token";
    static final Pattern TOKEN = Pattern.compile("[\\x21-\\x7e]{16,256}");
    static final Pattern HEADER = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}");
    static final Set<String> UNUSABLE_HEADERS = Set.of("host", "content-length", "content-type", "transfer-encoding", "connection", "expect");
    static final int MAX_RANGES = 100;

    /** Gupshup's message-event types and Herald's status for each; others are recorded but produce no status. */
    static final Map<String, String> STATUS = Map.of("enqueued", "accepted", "sent", "sent", "delivered", "delivered", "read", "read",
            "failed", "failed");

    @Override
    public String name() {
        return "gupshup";
    }

    @Override
    public Map<String, String> credentials(JsonBody in) {
        if (in == null) throw Problem.invalid("credentials", "'credentials' is required: {\"token\": \"...\"}");
        in.only(Set.of("token"));
        String token = in.string("token", true);
        if (!TOKEN.matcher(token).matches()) {
            throw Problem.invalid(in.path("token"), "'" + in.path("token")
                    + "' must be 16 to 256 visible ASCII characters without spaces (a long random value, e.g. from openssl rand -hex 32)");
        }
        return Map.of("token", token);
    }

    @Override
    public Map<String, Object> options(JsonBody in) {
        String header = DEFAULT_HEADER;
        List<String> ranges = List.of();
        if (in != null) {
            in.only(Set.of("header", "allowed_ips"));
            String h = in.string("header", false);
            if (h != null) {
                if (!HEADER.matcher(h).matches() || UNUSABLE_HEADERS.contains(h.toLowerCase(Locale.ROOT))) {
                    throw Problem.invalid(in.path("header"), "'" + in.path("header")
                            + "' must be an HTTP header name Gupshup can send (letters, digits, dashes), such as X-Herald-Token");
                }
                header = h;
            }
            List<String> given = in.strings("allowed_ips");
            if (given != null) {
                if (given.size() > MAX_RANGES) throw Problem.invalid(in.path("allowed_ips"), "'" + in.path("allowed_ips") + "' may hold at most " + MAX_RANGES + " ranges");
                List<String> out = new ArrayList<>();
                for (String g : given) {
                    try {
                        Cidr.of(g.strip(), "allowed_ips");
                    } catch (IllegalArgumentException e) {
                        throw Problem.invalid(in.path("allowed_ips"), "'" + in.path("allowed_ips") + "': " + e.getMessage()
                                + " (give addresses or CIDR ranges such as 203.0.113.0/24)");
                    }
                    out.add(g.strip());
                }
                ranges = List.copyOf(out);
            }
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("header", header);
        out.put("allowed_ips", ranges);
        return out;
    }

    @Override
    public String verify(CallbackRequest r, Source source, Instant now) {
        List<Cidr> allowed = allowed(source);
        if (!allowed.isEmpty()) {
            Optional<InetAddress> peer = IpLiterals.parse(r.remoteAddress());
            if (peer.isEmpty() || allowed.stream().noneMatch(c -> c.contains(peer.get()))) {
                return "source address " + r.remoteAddress() + " is not in allowed_ips";
            }
        }
        Object h = source.options().get("header");
        String header = h instanceof String s ? s : DEFAULT_HEADER;
        String headers = r.notExactlyOnce(header);
        if (headers != null) return headers;
        return Hmac.equal(source.credential("token"), r.header(header).trim()) ? null : "token mismatch";
    }

    private static List<Cidr> allowed(Source source) {
        Object v = source.options().get("allowed_ips");
        if (!(v instanceof List<?> list)) return List.of();
        List<Cidr> out = new ArrayList<>();
        for (Object o : list) out.add(Cidr.of(String.valueOf(o), "allowed_ips"));
        return out;
    }

    @Override
    public List<StatusItem> parse(CallbackRequest r, Source source) {
        JsonNode root = Payloads.json(r);
        if (!root.isObject()) throw Payloads.invalid("the body must be a JSON object");
        String type = Payloads.text(root, "type");
        JsonNode payload = root.get("payload");
        if (type == null || payload == null || !payload.isObject()) return List.of();
        Instant at = epochMillis(Payloads.text(root, "timestamp"));
        if (type.equals("message-event")) {
            String event = Payloads.text(payload, "type");
            String status = event == null ? null : STATUS.get(event);
            String gsId = Payloads.text(payload, "gsId");
            String id = gsId != null ? gsId : Payloads.text(payload, "id");
            if (status == null || id == null) return List.of();
            String reason = null;
            if (status.equals("failed")) {
                JsonNode detail = payload.get("payload");
                String code = Payloads.text(detail, "code");
                String text = Payloads.text(detail, "reason");
                reason = code == null ? text : text == null ? code : code + ": " + text;
            }
            return List.of(new StatusItem("whatsapp", status, event, id, null, Payloads.text(payload, "destination"), reason, null, at,
                    id + ":" + event, null));
        }
        if (type.equals("message")) {
            String id = Payloads.text(payload, "id");
            if (id == null) return List.of();
            return List.of(new StatusItem("whatsapp", "received", Payloads.text(payload, "type"), id, null, null, null, null, at,
                    id + ":received", null));
        }
        return List.of();
    }

    private static Instant epochMillis(String ms) {
        if (ms == null) return null;
        try {
            long v = Long.parseLong(ms.trim());
            return v < 0 || v > 253_402_300_799_999L ? null : Instant.ofEpochMilli(v);
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
