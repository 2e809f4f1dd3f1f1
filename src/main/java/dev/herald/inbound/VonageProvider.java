package dev.herald.inbound;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jwt.JWTClaimsSet;
import dev.herald.signing.Hmac;
import dev.herald.util.JsonBody;
import dev.herald.util.Problem;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import tools.jackson.databind.JsonNode;

/**
 * Vonage's two signing schemes, both keyed by the account's signature secret.
 * <ul>
 * <li>The Messages API: {@code Authorization: Bearer <JWT>}, HS256, whose {@code payload_hash} is the hex
 * SHA-256 of the body and whose {@code iat} must be within HERALD_INBOUND_TOLERANCE (verified with Nimbus).
 * <li>The SMS API: a {@code sig} parameter beside the others (query, form or JSON body): the parameters
 * but {@code sig}, sorted by name, written {@code &name=value} with {@code &} and {@code =} in values
 * replaced by {@code _}; then MD5 of that text followed by the secret ({@code md5hash}, Vonage's
 * default) or an HMAC of it with the secret ({@code md5}, {@code sha1}, {@code sha256}, {@code sha512}),
 * as the source's {@code sms_signature_method} option says. Its {@code timestamp} must be within the
 * tolerance. Hand-written: Vonage's SDKs are the only implementation (see docs/DECISIONS.md).
 * </ul>
 */
final class VonageProvider implements Provider {
    static final String METHOD_OPTION = "sms_signature_method";
    static final List<String> METHODS = List.of("md5hash", "md5", "sha1", "sha256", "sha512");
    static final int MAX_SECRET_CHARS = 256;

    /** Messages API {@code status} and Herald's status. */
    static final Map<String, String> MESSAGE_STATUS = Map.of("submitted", "sent", "delivered", "delivered", "read", "read",
            "rejected", "failed", "undeliverable", "failed");
    /** SMS API delivery receipt {@code status} and Herald's status. */
    static final Map<String, String> DLR_STATUS = Map.of("accepted", "sent", "buffered", "deferred", "delivered", "delivered",
            "expired", "failed", "failed", "failed", "rejected", "failed", "unknown", "sent");
    /** Messages API channels Herald has a channel for. */
    static final Map<String, String> CHANNELS = Map.of("sms", "sms", "mms", "sms", "whatsapp", "whatsapp");
    /** SMS API delivery receipt {@code err-code}s, as Vonage documents them. */
    static final Map<String, String> ERR_CODES = Map.ofEntries(Map.entry("1", "Unknown"), Map.entry("2", "Absent Subscriber - Temporary"),
            Map.entry("3", "Absent Subscriber - Permanent"), Map.entry("4", "Call Barred by User"), Map.entry("5", "Portability Error"),
            Map.entry("6", "Anti-Spam Rejection"), Map.entry("7", "Handset Busy"), Map.entry("8", "Network Error"),
            Map.entry("9", "Illegal Number"), Map.entry("10", "Illegal Message"), Map.entry("11", "Unroutable"),
            Map.entry("12", "Destination Unreachable"), Map.entry("13", "Subscriber Age Restriction"),
            Map.entry("14", "Number Blocked by Carrier"), Map.entry("15", "Prepaid Insufficient Funds"),
            Map.entry("16", "Gateway Quota Exceeded"), Map.entry("50", "Entity Filter"), Map.entry("51", "Header Filter"),
            Map.entry("52", "Content Filter"), Map.entry("53", "Consent Filter"), Map.entry("54", "Regulation Error"),
            Map.entry("99", "General Error"));

    @Override
    public String name() {
        return "vonage";
    }

    @Override
    public Map<String, String> credentials(JsonBody in) {
        if (in == null) throw Problem.invalid("credentials", "'credentials' is required: {\"signature_secret\": \"...\"}");
        in.only(Set.of("signature_secret"));
        String secret = in.string("signature_secret", true);
        if (secret.isEmpty() || secret.length() > MAX_SECRET_CHARS || !secret.strip().equals(secret)) {
            throw Problem.invalid(in.path("signature_secret"), "'" + in.path("signature_secret")
                    + "' must be the signature secret of your Vonage account settings (1 to 256 characters, no surrounding spaces)");
        }
        return Map.of("signature_secret", secret);
    }

    @Override
    public Map<String, Object> options(JsonBody in) {
        if (in == null) return Map.of(METHOD_OPTION, "md5hash");
        in.only(Set.of(METHOD_OPTION));
        String method = in.string(METHOD_OPTION, false);
        if (method == null) return Map.of(METHOD_OPTION, "md5hash");
        if (!METHODS.contains(method)) {
            throw Problem.invalid(in.path(METHOD_OPTION), "'" + in.path(METHOD_OPTION) + "' must be one of " + String.join(", ", METHODS)
                    + " (Vonage dashboard → Settings → Signature method)");
        }
        return Map.of(METHOD_OPTION, method);
    }

    @Override
    public boolean callbacksByGet() {
        return true;
    }

    @Override
    public String verify(CallbackRequest r, Source source, Instant now) {
        byte[] secret = source.credential("signature_secret").getBytes(StandardCharsets.UTF_8);
        if (r.headerCount("Authorization") > 1) return "Authorization header given more than once";
        String auth = r.header("Authorization");
        if (auth != null) {
            if (!auth.regionMatches(true, 0, "Bearer ", 0, 7)) return "Authorization must be a Bearer token";
            return verifyJwt(auth.substring(7).trim(), secret, r, source, now);
        }
        Map<String, String> params = CallbackParams.read(r);
        if (params == null) return "parameters unreadable or given twice";
        if (!params.containsKey("sig")) return "missing Authorization bearer token or sig parameter";
        return verifySig(params, secret, String.valueOf(source.options().getOrDefault(METHOD_OPTION, "md5hash")), source, now);
    }

    private static String verifyJwt(String token, byte[] secret, CallbackRequest r, Source source, Instant now) {
        HmacJwt.Checked c = HmacJwt.verify(token, secret, Set.of(JWSAlgorithm.HS256));
        if (c.refusal() != null) return c.refusal();
        JWTClaimsSet claims = c.claims();
        if (claims.getIssueTime() == null) return "claim iat is required";
        long age = now.getEpochSecond() - claims.getIssueTime().toInstant().getEpochSecond();
        if (Math.abs(age) > source.tolerance().toSeconds()) return "stale token (iat)";
        if (HmacJwt.expired(claims.getExpirationTime(), now, source.tolerance())) return "claim exp is in the past";
        if (claims.getClaim("payload_hash") == null) return "claim payload_hash is required";
        return HmacJwt.sha256Matches(HmacJwt.text(claims, "payload_hash"), r.body()) ? null : "claim payload_hash does not match the body";
    }

    private static String verifySig(Map<String, String> params, byte[] secret, String method, Source source, Instant now) {
        String ts = params.get("timestamp");
        if (ts == null) return "missing timestamp parameter";
        long t;
        try {
            t = Long.parseLong(ts.trim());
        } catch (NumberFormatException e) {
            return "timestamp is not a number";
        }
        if (Math.abs(now.getEpochSecond() - t) > source.tolerance().toSeconds()) return "stale timestamp";
        byte[] signed = signedText(params).getBytes(StandardCharsets.UTF_8);
        byte[] expected = switch (method) {
            case "md5" -> Hmac.md5(secret, signed);
            case "sha1" -> Hmac.sha1(secret, signed);
            case "sha256" -> Hmac.sha256(secret, signed);
            case "sha512" -> Hmac.sha512(secret, signed);
            default -> md5(signed, secret);
        };
        String given = params.get("sig").trim().toLowerCase(Locale.ROOT);
        return Hmac.equal(HexFormat.of().formatHex(expected), given) ? null : "signature mismatch";
    }

    /** The text Vonage signs: {@code &name=value} for every parameter but sig, sorted by name, {@code &} and {@code =} in values as {@code _}. */
    static String signedText(Map<String, String> params) {
        StringBuilder b = new StringBuilder();
        for (Map.Entry<String, String> e : new TreeMap<>(params).entrySet()) {
            if (e.getKey().equals("sig")) continue;
            b.append('&').append(e.getKey()).append('=').append(e.getValue().replace('&', '_').replace('=', '_'));
        }
        return b.toString();
    }

    private static byte[] md5(byte[] text, byte[] secret) {
        try {
            MessageDigest md = MessageDigest.getInstance("MD5");
            md.update(text);
            md.update(secret);
            return md.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("MD5 unavailable", e);
        }
    }

    @Override
    public List<StatusItem> parse(CallbackRequest r, Source source) {
        if (r.header("Authorization") != null) return messages(Payloads.json(r));
        Map<String, String> p = CallbackParams.read(r);
        if (p == null) throw Payloads.invalid("the webhook's parameters could not be read");
        List<StatusItem> out = new ArrayList<>();
        String id = p.get("messageId");
        if (id == null) return out;
        String at = p.get("message-timestamp");
        String providerStatus = p.get("status");
        if (providerStatus != null) {
            String status = DLR_STATUS.get(providerStatus);
            if (status == null) return out;
            String code = p.get("err-code");
            String reason = code == null || code.equals("0") ? null : CallbackParams.reason(ERR_CODES.get(code), code, "err-code");
            out.add(new StatusItem("sms", status, providerStatus, id, null, p.get("msisdn"), reason, null, CallbackParams.time(at),
                    "dlr:" + id + ":" + providerStatus, null));
        } else if (p.containsKey("msisdn") && (p.containsKey("text") || p.containsKey("type"))) {
            out.add(new StatusItem("sms", "received", p.getOrDefault("type", "text"), id, null, p.get("to"), null, null,
                    CallbackParams.time(at), "inbound:" + id, null));
        }
        return out;
    }

    /** A Messages API webhook: a message status, or an inbound message. */
    private static List<StatusItem> messages(JsonNode root) {
        if (!root.isObject()) throw Payloads.invalid("the body must be a JSON object");
        String uuid = Payloads.text(root, "message_uuid");
        String channel = CHANNELS.get(Payloads.text(root, "channel"));
        if (uuid == null || channel == null) return List.of();
        Instant at = CallbackParams.time(Payloads.text(root, "timestamp"));
        String providerStatus = Payloads.text(root, "status");
        if (providerStatus != null) {
            String status = MESSAGE_STATUS.get(providerStatus);
            if (status == null) return List.of();
            JsonNode error = root.get("error");
            String reason = error == null || !error.isObject() ? null
                    : CallbackParams.reason(Payloads.text(error, "detail"), Payloads.text(error, "title"), "error");
            return List.of(new StatusItem(channel, status, providerStatus, uuid, null, Payloads.text(root, "to"), reason, null, at,
                    "message:" + uuid + ":" + providerStatus, null));
        }
        String type = Payloads.text(root, "message_type");
        if (type == null) return List.of();
        return List.of(new StatusItem(channel, "received", type, uuid, null, Payloads.text(root, "to"), null, null, at,
                "inbound:" + uuid, null));
    }
}
