package dev.herald.inbound;

import dev.herald.util.Json;
import dev.herald.util.JsonBody;
import dev.herald.util.Problem;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/**
 * Amazon SES events through an SNS topic. SNS signs each message it posts (SignatureVersion 1:
 * SHA1withRSA, 2: SHA256withRSA) over a string built from named fields, each as {@code name\nvalue\n}:
 * Message, MessageId, Subject (when present), Timestamp, TopicArn, Type for a Notification; Message,
 * MessageId, SubscribeURL, Timestamp, Token, TopicArn, Type for (Un)SubscriptionConfirmation. The key is
 * in the certificate at {@code SigningCertURL}, which {@link SnsClient} checks (https, an SNS host,
 * {@code .pem}) before it fetches it. The TopicArn must be one of the source's {@code topic_arns}; a
 * SubscriptionConfirmation is confirmed by calling its SubscribeURL (same host check) once verified.
 * Raw message delivery (the SES JSON posted without the SNS envelope) carries no signature and is refused.
 *
 * <p>Hazard: the signature is inside the body, so the body is parsed (as plain JSON, nothing more)
 * before it is verified; nothing read from it is used until the signature holds, except the checks that
 * decide whether to fetch the certificate at all (TopicArn allowed, URL shape), which run first so an
 * unsigned request cannot make Herald fetch from anywhere else.
 */
final class SesProvider implements Provider {
    static final Pattern TOPIC_ARN = Pattern.compile("arn:aws[a-z-]*:sns:[a-z0-9-]+:\\d{12}:[A-Za-z0-9_-]{1,256}(\\.fifo)?");
    static final int MAX_TOPICS = 20;
    static final Set<String> TYPES = Set.of("Notification", "SubscriptionConfirmation", "UnsubscribeConfirmation");

    @Override
    public String name() {
        return "ses";
    }

    @Override
    public Map<String, String> credentials(JsonBody in) {
        if (in == null) throw Problem.invalid("credentials", "'credentials' is required: {\"topic_arns\": [\"arn:aws:sns:...\"]}");
        in.only(Set.of("topic_arns"));
        List<String> arns = in.strings("topic_arns");
        String field = in.path("topic_arns");
        if (arns == null || arns.isEmpty() || arns.size() > MAX_TOPICS) {
            throw Problem.invalid(field, "'" + field + "' must list the SNS topic ARNs SES publishes to (1 to " + MAX_TOPICS + ")");
        }
        for (String arn : arns) {
            if (!TOPIC_ARN.matcher(arn).matches()) {
                throw Problem.invalid(field, "'" + field + "' must hold SNS topic ARNs like arn:aws:sns:eu-west-1:123456789012:ses-events");
            }
        }
        // Credentials are stored as text: the list travels as its JSON.
        return Map.of("topic_arns", Json.write(List.copyOf(arns)));
    }

    private static List<String> topics(Source source) {
        List<String> out = new ArrayList<>();
        Json.parse(source.credential("topic_arns")).forEach(n -> out.add(n.asString()));
        return out;
    }

    @Override
    public String verify(CallbackRequest r, Source source, Instant now) {
        if ("true".equalsIgnoreCase(r.header("x-amz-sns-rawdelivery"))) return "raw message delivery is refused: SNS signs only the envelope";
        JsonNode m;
        try {
            m = Json.parse(r.body());
        } catch (JacksonException e) {
            return "not an SNS message (not JSON)";
        }
        if (m == null || !m.isObject()) return "not an SNS message";
        String type = Payloads.text(m, "Type");
        if (type == null || Payloads.text(m, "Signature") == null) {
            return m.has("eventType") || m.has("notificationType") || m.has("mail")
                    ? "raw message delivery is refused: SNS signs only the envelope" : "not an SNS message (no Type or Signature)";
        }
        if (!TYPES.contains(type)) return "unknown SNS message Type " + HmacJwt.shown(type);
        String version = Payloads.text(m, "SignatureVersion");
        String algorithm = "1".equals(version) ? "SHA1withRSA" : "2".equals(version) ? "SHA256withRSA" : null;
        if (algorithm == null) return "unknown SignatureVersion " + HmacJwt.shown(version);
        if (!topics(source).contains(Payloads.text(m, "TopicArn"))) return "TopicArn is not one of the source's topic_arns";
        String certUrl = Payloads.text(m, "SigningCertURL");
        if (certUrl == null) certUrl = Payloads.text(m, "SigningCertUrl");
        String refused = source.sns().refuseCertificateUrl(certUrl);
        if (refused != null) return refused;
        if (!type.equals("Notification")) {
            refused = source.sns().refuseSubscribeUrl(Payloads.text(m, "SubscribeURL"));
            if (refused != null) return refused;
        }
        Instant at;
        try {
            at = Instant.parse(String.valueOf(Payloads.text(m, "Timestamp")));
        } catch (DateTimeParseException e) {
            return "Timestamp is not an ISO-8601 time";
        }
        if (Math.abs(now.getEpochSecond() - at.getEpochSecond()) > source.tolerance().toSeconds()) return "stale timestamp";
        String toSign = stringToSign(m, type);
        if (toSign == null) return "a signed field is missing";
        X509Certificate cert;
        try {
            cert = source.sns().certificate(certUrl);
            cert.checkValidity(Date.from(now));
        } catch (IOException e) {
            return "signing certificate unavailable: " + e.getMessage();
        } catch (GeneralSecurityException e) {
            return "signing certificate expired or not yet valid";
        }
        try {
            Signature s = Signature.getInstance(algorithm);
            s.initVerify(cert.getPublicKey());
            s.update(toSign.getBytes(StandardCharsets.UTF_8));
            return s.verify(Base64.getDecoder().decode(Payloads.text(m, "Signature"))) ? null : "signature mismatch";
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            return "signature mismatch";
        }
    }

    /** The text SNS signs for this message Type; null when one of its fields is missing. */
    static String stringToSign(JsonNode m, String type) {
        List<String> fields = type.equals("Notification")
                ? List.of("Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type")
                : List.of("Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type");
        StringBuilder b = new StringBuilder();
        for (String f : fields) {
            String v = Payloads.text(m, f);
            if (v == null) {
                if (f.equals("Subject")) continue;
                return null;
            }
            b.append(f).append('\n').append(v).append('\n');
        }
        return b.toString();
    }

    @Override
    public List<StatusItem> parse(CallbackRequest r, Source source) {
        JsonNode m = Payloads.json(r);
        String type = Payloads.text(m, "Type");
        if ("SubscriptionConfirmation".equals(type)) {
            try {
                source.sns().confirm(Payloads.text(m, "SubscribeURL"));
            } catch (IOException e) {
                throw new Problem(Problem.Kind.UNPROCESSABLE, "subscription_not_confirmed",
                        "the SNS subscription could not be confirmed (" + e.getMessage() + "); request the confirmation again in SNS", "body");
            }
            return List.of();
        }
        if (!"Notification".equals(type)) return List.of();
        JsonNode event;
        try {
            event = Json.parse(String.valueOf(Payloads.text(m, "Message")).getBytes(StandardCharsets.UTF_8));
        } catch (JacksonException e) {
            throw Payloads.invalid("the SNS Message is not an SES event (not JSON)");
        }
        if (event == null || !event.isObject()) throw Payloads.invalid("the SNS Message is not an SES event");
        return SesEvents.items(event, Payloads.text(m, "MessageId"));
    }
}
