package dev.herald.signing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.standardwebhooks.Webhook;
import com.standardwebhooks.exceptions.WebhookVerificationException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every scheme is checked against an independent computation: HMAC-SHA256 recomputed here with
 * {@link Mac}, the Standard Webhooks reference library, and fixed known-answer vectors (those of
 * docs/signatures.md and one computed outside Java).
 */
class SignatureSchemesTest {
    static final WebhookSecret DOC_SECRET = new WebhookSecret("whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=", "k_2dc45c3fbe9e");
    static final String DOC_ID = "01a206c7-d301-7b59-871d-06730d9d234d";
    static final long DOC_T = 1795410088L;
    static final byte[] DOC_BODY = ("{\"id\":\"01a206c7-d301-7926-bb62-ca125fe1aca5\",\"type\":\"ticket.created\","
            + "\"created_at\":\"2026-11-23T05:01:28.705Z\",\"data\":{\"ticket_id\":42}}").getBytes(StandardCharsets.UTF_8);

    static final byte[] BODY = "{\"type\":\"invoice.paid\",\"data\":{\"amount\":1999,\"note\":\"caf\u00e9 \u2713\"}}".getBytes(StandardCharsets.UTF_8);
    static final String ID = "msg_7f3c2a10-5b1e-4c7d-9a2f-0e6b8d4c1a33";

    // ---- independent reference computations

    static byte[] hmac(byte[] key, byte[] message) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(message);
        } catch (java.security.GeneralSecurityException e) {
            throw new AssertionError(e);
        }
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static String expectedSha256Hex(String secret, byte[] body) {
        return "sha256=" + HexFormat.of().formatHex(hmac(utf8(secret), body));
    }

    static String expectedTimestamped(String secret, String kid, long t, byte[] body) {
        return "t=" + t + ", kid=" + kid + ", v1=" + Base64.getEncoder().encodeToString(hmac(utf8(secret), concat(utf8(t + "."), body)));
    }

    static Map<String, String> sign(String scheme, SignatureScheme.Keys keys, String header, String id, long t, byte[] body) {
        SignatureScheme s = Signers.get(scheme);
        return s.sign(new SignatureScheme.Input(id, t, body, keys, header == null ? s.defaultHeader() : header));
    }

    static SignatureScheme.Keys only(WebhookSecret s) {
        return new SignatureScheme.Keys(s, null);
    }

    static long now() {
        return System.currentTimeMillis() / 1000;
    }

    static Map<String, List<String>> asHeaders(Map<String, String> h) {
        return Map.of("webhook-id", List.of(h.get("webhook-id")), "webhook-timestamp", List.of(h.get("webhook-timestamp")),
                "webhook-signature", List.of(h.get("webhook-signature")));
    }

    static String text(byte[] body) {
        return new String(body, StandardCharsets.UTF_8);
    }

    // ---- the registry

    @Test
    void theRegistryHasTheThreeDocumentedSchemes() {
        assertThat(Signers.names()).containsExactly("sha256-hex", "standard-webhooks", "timestamped");
        assertThat(Signers.DEFAULT).isEqualTo("sha256-hex");
        assertThat(Signers.find("hmac-md5")).isEmpty();
        assertThatThrownBy(() -> Signers.get("hmac-md5")).isInstanceOf(IllegalArgumentException.class);
        assertThat(Signers.get("sha256-hex").headerConfigurable()).isTrue();
        assertThat(Signers.get("timestamped").headerConfigurable()).isTrue();
        assertThat(Signers.get("standard-webhooks").headerConfigurable()).isFalse();
        assertThat(Signers.get("sha256-hex").defaultHeader()).isEqualTo("X-Webhook-Signature");
        assertThat(Signers.get("timestamped").defaultHeader()).isEqualTo("X-Webhook-Signature");
    }

    // ---- sha256-hex

    @ParameterizedTest
    @ValueSource(strings = {"", "{}", "{\"a\":1}", "caf\u00e9 \u2713 \ud83d\ude80", "line\r\nbreak\u0000nul"})
    void sha256HexIsTheHexHmacOfTheBodyKeyedByTheWholeSecretString(String bodyText) {
        WebhookSecret secret = WebhookSecret.generate();
        byte[] body = utf8(bodyText);
        Map<String, String> h = sign("sha256-hex", only(secret), null, ID, now(), body);
        assertThat(h).containsExactly(Map.entry("X-Webhook-Signature", expectedSha256Hex(secret.value(), body)));
        assertThat(h.get("X-Webhook-Signature")).matches("sha256=[0-9a-f]{64}");
    }

    @Test
    void sha256HexSignsArbitraryBytesNotText() {
        byte[] body = {(byte) 0xff, (byte) 0xfe, 0, 1, (byte) 0x80};
        Map<String, String> h = sign("sha256-hex", only(DOC_SECRET), null, ID, DOC_T, body);
        assertThat(h.get("X-Webhook-Signature")).isEqualTo(expectedSha256Hex(DOC_SECRET.value(), body));
    }

    @Test
    void sha256HexUsesTheConfiguredHeaderName() {
        Map<String, String> h = sign("sha256-hex", only(DOC_SECRET), "X-Wipe-Signature", DOC_ID, DOC_T, DOC_BODY);
        assertThat(h).containsExactly(Map.entry("X-Wipe-Signature", expectedSha256Hex(DOC_SECRET.value(), DOC_BODY)));
    }

    @Test
    void sha256HexDependsOnlyOnSecretAndBody() {
        String a = sign("sha256-hex", only(DOC_SECRET), null, "id-1", 1, DOC_BODY).get("X-Webhook-Signature");
        String b = sign("sha256-hex", only(DOC_SECRET), null, "id-2", 2, DOC_BODY).get("X-Webhook-Signature");
        assertThat(a).isEqualTo(b);
        String other = sign("sha256-hex", only(WebhookSecret.generate()), null, "id-1", 1, DOC_BODY).get("X-Webhook-Signature");
        assertThat(other).isNotEqualTo(a);
        byte[] changed = DOC_BODY.clone();
        changed[changed.length - 3] ^= 1;
        assertThat(sign("sha256-hex", only(DOC_SECRET), null, "id-1", 1, changed).get("X-Webhook-Signature")).isNotEqualTo(a);
    }

    // ---- timestamped

    @Test
    void timestampedIsTheBase64HmacOfTimestampDotBody() {
        WebhookSecret secret = WebhookSecret.generate();
        long t = now();
        Map<String, String> h = sign("timestamped", only(secret), null, ID, t, BODY);
        assertThat(h).containsExactly(Map.entry("X-Webhook-Signature", expectedTimestamped(secret.value(), secret.kid(), t, BODY)));
        assertThat(h.get("X-Webhook-Signature")).matches("t=\\d+, kid=k_[0-9a-f]{12}, v1=[A-Za-z0-9+/]{43}=");
    }

    @Test
    void timestampedCoversTheTimestamp() {
        String a = sign("timestamped", only(DOC_SECRET), null, ID, 1000, BODY).get("X-Webhook-Signature");
        String b = sign("timestamped", only(DOC_SECRET), null, ID, 1001, BODY).get("X-Webhook-Signature");
        assertThat(a.substring(a.indexOf("v1="))).isNotEqualTo(b.substring(b.indexOf("v1=")));
    }

    @Test
    void timestampedUsesTheConfiguredHeaderName() {
        Map<String, String> h = sign("timestamped", only(DOC_SECRET), "X-MailWebhook-Signature", ID, DOC_T, BODY);
        assertThat(h).containsExactly(Map.entry("X-MailWebhook-Signature", expectedTimestamped(DOC_SECRET.value(), DOC_SECRET.kid(), DOC_T, BODY)));
    }

    // ---- standard-webhooks

    @Test
    void standardWebhooksVerifiesWithTheReferenceLibrary() throws Exception {
        WebhookSecret secret = WebhookSecret.generate();
        Map<String, String> h = sign("standard-webhooks", only(secret), null, ID, now(), BODY);
        assertThat(h).containsOnlyKeys("webhook-id", "webhook-timestamp", "webhook-signature");
        assertThat(h.get("webhook-id")).isEqualTo(ID);
        new Webhook(secret.value()).verify(text(BODY), asHeaders(h));
    }

    @Test
    void standardWebhooksIsTheBase64HmacOfIdTimestampBodyKeyedByTheDecodedSecret() {
        WebhookSecret secret = WebhookSecret.generate();
        long t = now();
        Map<String, String> h = sign("standard-webhooks", only(secret), null, ID, t, BODY);
        byte[] key = Base64.getDecoder().decode(secret.value().substring("whsec_".length()));
        String expected = "v1," + Base64.getEncoder().encodeToString(hmac(key, concat(utf8(ID + "." + t + "."), BODY)));
        assertThat(h.get("webhook-timestamp")).isEqualTo(Long.toString(t));
        assertThat(h.get("webhook-signature")).isEqualTo(expected);
    }

    @Test
    void standardWebhooksRejectsTamperingWithTheReferenceLibrary() throws Exception {
        WebhookSecret secret = WebhookSecret.generate();
        long t = now();
        Map<String, String> h = sign("standard-webhooks", only(secret), null, ID, t, BODY);
        Webhook verifier = new Webhook(secret.value());
        assertThatThrownBy(() -> verifier.verify(text(BODY).replace("1999", "1998"), asHeaders(h))).isInstanceOf(WebhookVerificationException.class);
        Map<String, String> otherId = new java.util.HashMap<>(h);
        otherId.put("webhook-id", "msg_other");
        assertThatThrownBy(() -> verifier.verify(text(BODY), asHeaders(otherId))).isInstanceOf(WebhookVerificationException.class);
        Map<String, String> otherTime = new java.util.HashMap<>(h);
        otherTime.put("webhook-timestamp", Long.toString(t - 1));
        assertThatThrownBy(() -> verifier.verify(text(BODY), asHeaders(otherTime))).isInstanceOf(WebhookVerificationException.class);
        assertThatThrownBy(() -> new Webhook(WebhookSecret.generate().value()).verify(text(BODY), asHeaders(h)))
                .isInstanceOf(WebhookVerificationException.class);
    }

    @Test
    void standardWebhooksIgnoresACustomHeaderName() {
        Map<String, String> h = sign("standard-webhooks", only(DOC_SECRET), "X-Custom", DOC_ID, DOC_T, DOC_BODY);
        assertThat(h).containsOnlyKeys("webhook-id", "webhook-timestamp", "webhook-signature");
    }

    // ---- rotation: Keys(current, previous)

    @Test
    void keysPickThePreviousSecretForSingleSignatureSchemesWhilePresent() {
        WebhookSecret next = WebhookSecret.generate();
        assertThat(new SignatureScheme.Keys(next, DOC_SECRET).single()).isSameAs(DOC_SECRET);
        assertThat(new SignatureScheme.Keys(next, null).single()).isSameAs(next);
        assertThat(new SignatureScheme.Keys(next, DOC_SECRET).all()).containsExactly(next, DOC_SECRET);
        assertThat(new SignatureScheme.Keys(next, null).all()).containsExactly(next);
    }

    @Test
    void duringARotationSha256HexSignsWithThePreviousSecret() {
        WebhookSecret next = WebhookSecret.generate();
        Map<String, String> h = sign("sha256-hex", new SignatureScheme.Keys(next, DOC_SECRET), "X-Wipe-Signature", ID, now(), BODY);
        assertThat(h).containsExactly(Map.entry("X-Wipe-Signature", expectedSha256Hex(DOC_SECRET.value(), BODY)));
    }

    @Test
    void duringARotationTimestampedSignsWithThePreviousSecretAndNamesItsKid() {
        WebhookSecret next = WebhookSecret.generate();
        long t = now();
        Map<String, String> h = sign("timestamped", new SignatureScheme.Keys(next, DOC_SECRET), null, ID, t, BODY);
        assertThat(h).containsExactly(Map.entry("X-Webhook-Signature", expectedTimestamped(DOC_SECRET.value(), DOC_SECRET.kid(), t, BODY)));
        assertThat(h.get("X-Webhook-Signature")).contains("kid=" + DOC_SECRET.kid()).doesNotContain(next.kid());
    }

    @Test
    void duringARotationStandardWebhooksCarriesBothSignaturesAndEitherSecretVerifies() throws Exception {
        WebhookSecret previous = WebhookSecret.generate();
        WebhookSecret next = WebhookSecret.generate();
        long t = now();
        Map<String, String> h = sign("standard-webhooks", new SignatureScheme.Keys(next, previous), null, ID, t, BODY);
        byte[] signed = concat(utf8(ID + "." + t + "."), BODY);
        String sigNew = "v1," + Base64.getEncoder().encodeToString(hmac(next.standardKey(), signed));
        String sigOld = "v1," + Base64.getEncoder().encodeToString(hmac(previous.standardKey(), signed));
        assertThat(h.get("webhook-signature")).isEqualTo(sigNew + " " + sigOld);
        new Webhook(previous.value()).verify(text(BODY), asHeaders(h));
        new Webhook(next.value()).verify(text(BODY), asHeaders(h));
        assertThatThrownBy(() -> new Webhook(WebhookSecret.generate().value()).verify(text(BODY), asHeaders(h)))
                .isInstanceOf(WebhookVerificationException.class);
    }

    @Test
    void afterTheGracePeriodOnlyTheNewSecretSigns() {
        WebhookSecret previous = WebhookSecret.generate();
        WebhookSecret next = WebhookSecret.generate();
        Map<String, String> h = sign("standard-webhooks", only(next), null, ID, now(), BODY);
        assertThat(h.get("webhook-signature").split(" ")).hasSize(1);
        assertThatCode(() -> new Webhook(next.value()).verify(text(BODY), asHeaders(h))).doesNotThrowAnyException();
        assertThatThrownBy(() -> new Webhook(previous.value()).verify(text(BODY), asHeaders(h))).isInstanceOf(WebhookVerificationException.class);
        assertThat(sign("sha256-hex", only(next), null, ID, now(), BODY).get("X-Webhook-Signature")).isEqualTo(expectedSha256Hex(next.value(), BODY));
    }

    // ---- known-answer vectors

    /** The worked examples of docs/signatures.md, recomputed here independently as well. */
    @Test
    void theDocumentedExamplesAreExact() {
        assertThat(sign("sha256-hex", only(DOC_SECRET), null, DOC_ID, DOC_T, DOC_BODY))
                .containsExactly(Map.entry("X-Webhook-Signature", "sha256=dded953b8dd32ec699b7cc9b187b145911f66d224fcf40b51699864a14ecc9c4"));
        assertThat(sign("standard-webhooks", only(DOC_SECRET), null, DOC_ID, DOC_T, DOC_BODY)).containsExactly(
                Map.entry("webhook-id", DOC_ID), Map.entry("webhook-timestamp", "1795410088"),
                Map.entry("webhook-signature", "v1,d4p8Qm+nMjif64xsI91wG6z1ZJcggape0zxrLmCrTZc="));
        assertThat(sign("timestamped", only(DOC_SECRET), null, DOC_ID, DOC_T, DOC_BODY)).containsExactly(Map.entry("X-Webhook-Signature",
                "t=1795410088, kid=k_2dc45c3fbe9e, v1=BCItTq1oBS6CZqHAA/t7yDLkD+mJf1jF3q/aqg37kZE="));
        assertThat(expectedSha256Hex(DOC_SECRET.value(), DOC_BODY)).isEqualTo("sha256=dded953b8dd32ec699b7cc9b187b145911f66d224fcf40b51699864a14ecc9c4");
        assertThat(expectedTimestamped(DOC_SECRET.value(), DOC_SECRET.kid(), DOC_T, DOC_BODY))
                .isEqualTo("t=1795410088, kid=k_2dc45c3fbe9e, v1=BCItTq1oBS6CZqHAA/t7yDLkD+mJf1jF3q/aqg37kZE=");
    }

    /** A second vector, computed with Python's hmac module (not Java): a non-ASCII body and a secret with '+' and '/'. */
    @Test
    void aVectorComputedOutsideJavaMatches() {
        WebhookSecret secret = new WebhookSecret("whsec_//79/Pv6+fj39vX08/Lx8O/u7ezr6uno5+bl5OPi4eA=", "k_00ff00ff00ff");
        long t = 1700000000L;
        assertThat(sign("sha256-hex", only(secret), null, ID, t, BODY))
                .containsExactly(Map.entry("X-Webhook-Signature", "sha256=7f5b35a6993e70893587234c0a47de3d2d549048d3043f46265f607362e082d5"));
        assertThat(sign("timestamped", only(secret), null, ID, t, BODY)).containsExactly(Map.entry("X-Webhook-Signature",
                "t=1700000000, kid=k_00ff00ff00ff, v1=dytbz21+e+P+jVhvV1OyZIpWkVQ0HdOtt1tRnjvYAcE="));
        assertThat(sign("standard-webhooks", only(secret), null, ID, t, BODY)).containsExactly(
                Map.entry("webhook-id", ID), Map.entry("webhook-timestamp", "1700000000"),
                Map.entry("webhook-signature", "v1,3JEpAiCwLLt4Z95NN3cmRFV48WtmRV+iW2GkZFQlDUs="));
    }

    // ---- the Standard Webhooks specification's own example

    static final WebhookSecret SPEC_SECRET = new WebhookSecret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "k_0123456789ab");
    static final String SPEC_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    static final long SPEC_T = 1614265330L;
    static final byte[] SPEC_BODY = utf8("{\"test\": 2432232314}");

    /** The example published with the Standard Webhooks specification and its reference libraries. */
    @Test
    void theStandardWebhooksSpecificationExampleIsReproduced() throws Exception {
        assertThat(sign("standard-webhooks", only(SPEC_SECRET), null, SPEC_ID, SPEC_T, SPEC_BODY)).containsExactly(
                Map.entry("webhook-id", SPEC_ID), Map.entry("webhook-timestamp", "1614265330"),
                Map.entry("webhook-signature", "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="));
        assertThat(new Webhook(SPEC_SECRET.value()).sign(SPEC_ID, SPEC_T, text(SPEC_BODY))).isEqualTo("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    /** The same inputs through the other two schemes; expected values computed with Python's hmac module. */
    @Test
    void theOtherSchemesOnTheSpecificationInputsAreExact() {
        assertThat(sign("sha256-hex", only(SPEC_SECRET), null, SPEC_ID, SPEC_T, SPEC_BODY))
                .containsExactly(Map.entry("X-Webhook-Signature", "sha256=80ec8a89ce3cd22133a1066caecb4d04fea7467657c8514d717ec42c38a5c94c"));
        assertThat(sign("timestamped", only(SPEC_SECRET), null, SPEC_ID, SPEC_T, SPEC_BODY)).containsExactly(Map.entry("X-Webhook-Signature",
                "t=1614265330, kid=k_0123456789ab, v1=LjffXUoCjFGn8xM9ZK4eMA0sLJAPGx1J1Daa0lMPiWQ="));
    }

    @Test
    void standardWebhooksAgreesWithTheReferenceLibrarysOwnSigner() throws Exception {
        for (int i = 0; i < 50; i++) {
            WebhookSecret secret = WebhookSecret.generate();
            String body = "{\"n\":" + i + ",\"s\":\"caf\u00e9 \u2713\"}";
            String id = "msg_" + i;
            long t = now() - i;
            Map<String, String> h = sign("standard-webhooks", only(secret), null, id, t, utf8(body));
            assertThat(h.get("webhook-signature")).isEqualTo(new Webhook(secret.value()).sign(id, t, body));
            new Webhook(secret.value()).verify(body, asHeaders(h));
        }
    }

    @Test
    void duringARotationTimestampedUsesTheConfiguredHeaderName() {
        WebhookSecret next = WebhookSecret.generate();
        long t = now();
        Map<String, String> h = sign("timestamped", new SignatureScheme.Keys(next, DOC_SECRET), "X-Wipe-Signature", ID, t, BODY);
        assertThat(h).containsExactly(Map.entry("X-Wipe-Signature", expectedTimestamped(DOC_SECRET.value(), DOC_SECRET.kid(), t, BODY)));
    }

    @Test
    void duringARotationStandardWebhooksListsTheCurrentSecretFirstAndEachVerifiesAlone() throws Exception {
        WebhookSecret previous = WebhookSecret.generate();
        WebhookSecret next = WebhookSecret.generate();
        long t = now();
        Map<String, String> h = sign("standard-webhooks", new SignatureScheme.Keys(next, previous), "X-Wipe-Signature", ID, t, BODY);
        assertThat(h).containsOnlyKeys("webhook-id", "webhook-timestamp", "webhook-signature");
        String[] parts = h.get("webhook-signature").split(" ");
        assertThat(parts).hasSize(2).allMatch(p -> p.matches("v1,[A-Za-z0-9+/]{43}="));
        assertThat(parts[0]).isEqualTo(new Webhook(next.value()).sign(ID, t, text(BODY)));
        assertThat(parts[1]).isEqualTo(new Webhook(previous.value()).sign(ID, t, text(BODY)));
        for (String part : parts) {
            Map<String, String> single = new java.util.HashMap<>(h);
            single.put("webhook-signature", part);
            Webhook verifier = part.equals(parts[0]) ? new Webhook(next.value()) : new Webhook(previous.value());
            assertThatCode(() -> verifier.verify(text(BODY), asHeaders(single))).doesNotThrowAnyException();
        }
    }

    // ---- secrets

    @Test
    void generatedSecretsHaveTheDocumentedShapeAndNeverPrintTheirValue() {
        WebhookSecret s = WebhookSecret.generate();
        assertThat(s.value()).matches("whsec_[A-Za-z0-9+/]{43}=");
        assertThat(s.standardKey()).hasSize(32).isEqualTo(Base64.getDecoder().decode(s.value().substring(6)));
        assertThat(s.textKey()).isEqualTo(utf8(s.value()));
        assertThat(s.kid()).matches("k_[0-9a-f]{12}");
        assertThat(s.toString()).doesNotContain(s.value()).doesNotContain(s.value().substring(6, 20)).contains(s.kid());
        WebhookSecret other = WebhookSecret.generate();
        assertThat(other.value()).isNotEqualTo(s.value());
        assertThat(other.kid()).isNotEqualTo(s.kid());
    }
}
