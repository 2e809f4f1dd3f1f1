package dev.herald.inbound;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jwt.JWTClaimsSet;
import dev.herald.util.JsonBody;
import dev.herald.util.Problem;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/**
 * MessageBird's signed webhooks: {@code MessageBird-Signature-JWT} carries a JWT signed (HS256, HS384 or
 * HS512, as MessageBird's SDKs accept) with the signing key, issuer {@code MessageBird}, valid from
 * {@code nbf} to {@code exp} (HERALD_INBOUND_TOLERANCE is the clock skew allowed either way), whose
 * {@code url_hash} is the hex SHA-256 of the full URL MessageBird called and {@code payload_hash} that of
 * the raw body (absent exactly when the body is empty). SMS status reports arrive as GETs (or POSTs) with
 * their fields in the query or the body; Conversations API webhooks as JSON.
 */
final class MessageBirdProvider implements Provider {
    static final String SIGNATURE = "MessageBird-Signature-JWT";
    static final Set<JWSAlgorithm> ALGORITHMS = Set.of(JWSAlgorithm.HS256, JWSAlgorithm.HS384, JWSAlgorithm.HS512);

    /** SMS status report {@code status} and Herald's status. */
    static final Map<String, String> SMS_STATUS = Map.of("scheduled", "accepted", "sent", "sent", "buffered", "deferred",
            "delivered", "delivered", "expired", "failed", "delivery_failed", "failed");
    /** Conversations API message {@code status} and Herald's status ({@code deleted}, {@code unknown}: none). */
    static final Map<String, String> CONVERSATION_STATUS = Map.of("accepted", "accepted", "pending", "accepted", "sent", "sent",
            "delivered", "delivered", "read", "read", "rejected", "failed", "failed", "failed", "received", "received");
    static final Map<String, String> PLATFORMS = Map.of("sms", "sms", "whatsapp", "whatsapp", "email", "email");

    @Override
    public String name() {
        return "messagebird";
    }

    @Override
    public Map<String, String> credentials(JsonBody in) {
        if (in == null) throw Problem.invalid("credentials", "'credentials' is required: {\"signing_key\": \"...\"}");
        in.only(Set.of("signing_key"));
        String key = in.string("signing_key", true);
        if (key.getBytes(StandardCharsets.UTF_8).length < HmacJwt.MIN_KEY_BYTES || key.length() > 256 || !key.strip().equals(key)) {
            throw Problem.invalid(in.path("signing_key"), "'" + in.path("signing_key")
                    + "' must be the signing key MessageBird shows under Developers → API access (32 to 256 characters, no surrounding spaces)");
        }
        return Map.of("signing_key", key);
    }

    @Override
    public boolean callbacksByGet() {
        return true;
    }

    @Override
    public String verify(CallbackRequest r, Source source, Instant now) {
        String headers = r.notExactlyOnce(SIGNATURE);
        if (headers != null) return headers;
        HmacJwt.Checked c = HmacJwt.verify(r.header(SIGNATURE), source.credential("signing_key").getBytes(StandardCharsets.UTF_8), ALGORITHMS);
        if (c.refusal() != null) return c.refusal();
        JWTClaimsSet claims = c.claims();
        if (!"MessageBird".equals(claims.getIssuer())) return "claim iss is not MessageBird";
        if (claims.getNotBeforeTime() == null || claims.getExpirationTime() == null) return "claims nbf and exp are required";
        if (HmacJwt.notYetValid(claims.getNotBeforeTime(), now, source.tolerance())) return "claim nbf is in the future";
        if (HmacJwt.expired(claims.getExpirationTime(), now, source.tolerance())) return "claim exp is in the past";
        if (!HmacJwt.sha256Matches(HmacJwt.text(claims, "url_hash"), r.url().getBytes(StandardCharsets.UTF_8))) {
            return "claim url_hash does not match the URL called";
        }
        String payloadHash = HmacJwt.text(claims, "payload_hash");
        boolean hasPayloadHash = claims.getClaim("payload_hash") != null;
        if (r.body().length == 0) return hasPayloadHash ? "claim payload_hash is set but the body is empty" : null;
        if (!hasPayloadHash) return "claim payload_hash is missing but there is a body";
        return HmacJwt.sha256Matches(payloadHash, r.body()) ? null : "claim payload_hash does not match the body";
    }

    @Override
    public List<StatusItem> parse(CallbackRequest r, Source source) {
        boolean json = r.body().length > 0 && r.bodyText().stripLeading().startsWith("{");
        if (json) {
            JsonNode root = Payloads.json(r);
            if (root.get("message") != null && root.get("message").isObject()) return conversation(root);
        }
        Map<String, String> p = CallbackParams.read(r);
        if (p == null && json) return List.of(); // another kind of JSON webhook (conversation.created, ...): nothing to map
        if (p == null) throw Payloads.invalid("the status report's parameters could not be read (a name given twice, or a body neither form nor JSON)");
        List<StatusItem> out = new ArrayList<>();
        String id = p.get("id");
        String providerStatus = p.get("status");
        if (id != null && providerStatus != null) {
            String status = SMS_STATUS.get(providerStatus);
            if (status == null) return out;
            String recipient = p.get("recipient");
            String at = p.get("statusDatetime");
            out.add(new StatusItem("sms", status, providerStatus, id, null, recipient,
                    CallbackParams.reason(p.get("statusReason"), p.get("statusErrorCode"), "error"), null, CallbackParams.time(at),
                    "sms:" + id + ":" + recipient + ":" + providerStatus + ":" + at, null));
        } else if (id != null && p.get("originator") != null && (p.containsKey("body") || p.containsKey("payload"))) {
            out.add(new StatusItem("sms", "received", "received", id, null, p.get("recipient"), null, null,
                    CallbackParams.time(p.get("createdDatetime")), "sms:" + id + ":received", null));
        }
        return out;
    }

    /** A Conversations API webhook ({@code message.created}, {@code message.updated}): the message's status. */
    private static List<StatusItem> conversation(JsonNode root) {
        JsonNode m = root.get("message");
        String id = Payloads.text(m, "id");
        String providerStatus = Payloads.text(m, "status");
        String status = providerStatus == null ? null : CONVERSATION_STATUS.get(providerStatus);
        String channel = PLATFORMS.get(Payloads.text(m, "platform"));
        if (id == null || status == null || channel == null) return List.of();
        String at = Payloads.text(m, "updatedDatetime");
        if (at == null) at = Payloads.text(m, "createdDatetime");
        JsonNode error = m.get("error");
        String reason = error == null || !error.isObject() ? null
                : CallbackParams.reason(Payloads.text(error, "description"), Payloads.text(error, "code"), "error");
        return List.of(new StatusItem(channel, status, providerStatus, id, null, Payloads.text(m, "to"), reason, null,
                CallbackParams.time(at), "conversation:" + id + ":" + providerStatus + ":" + at, null));
    }
}
