package dev.herald.signing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.standardwebhooks.Webhook;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Known-answer vectors (the same as docs/signatures.md) and rotation behaviour, checked against the reference library. */
class SignatureSchemesTest {
    static final WebhookSecret SECRET = new WebhookSecret("whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=", "k_2dc45c3fbe9e");
    static final String ID = "01a206c7-d301-7b59-871d-06730d9d234d";
    static final long T = 1795410088L;
    static final byte[] BODY = ("{\"id\":\"01a206c7-d301-7926-bb62-ca125fe1aca5\",\"type\":\"ticket.created\","
            + "\"created_at\":\"2026-11-23T05:01:28.705Z\",\"data\":{\"ticket_id\":42}}").getBytes(StandardCharsets.UTF_8);

    static Map<String, String> sign(String scheme, SignatureScheme.Keys keys, String header, long t) {
        SignatureScheme s = Signers.get(scheme);
        return s.sign(new SignatureScheme.Input(ID, t, BODY, keys, header == null ? s.defaultHeader() : header));
    }

    @Test
    void sha256HexMatchesTheDocumentedExample() {
        assertThat(sign("sha256-hex", new SignatureScheme.Keys(SECRET, null), null, T))
                .containsExactly(Map.entry("X-Webhook-Signature", "sha256=dded953b8dd32ec699b7cc9b187b145911f66d224fcf40b51699864a14ecc9c4"));
        assertThat(sign("sha256-hex", new SignatureScheme.Keys(SECRET, null), "X-Wipe-Signature", T)).containsOnlyKeys("X-Wipe-Signature");
    }

    @Test
    void standardWebhooksMatchesTheDocumentedExample() {
        assertThat(sign("standard-webhooks", new SignatureScheme.Keys(SECRET, null), null, T)).containsExactly(
                Map.entry("webhook-id", ID), Map.entry("webhook-timestamp", "1795410088"),
                Map.entry("webhook-signature", "v1,d4p8Qm+nMjif64xsI91wG6z1ZJcggape0zxrLmCrTZc="));
    }

    @Test
    void timestampedMatchesTheDocumentedExample() {
        assertThat(sign("timestamped", new SignatureScheme.Keys(SECRET, null), null, T)).containsExactly(Map.entry("X-Webhook-Signature",
                "t=1795410088, kid=k_2dc45c3fbe9e, v1=BCItTq1oBS6CZqHAA/t7yDLkD+mJf1jF3q/aqg37kZE="));
    }

    static Map<String, List<String>> asHeaders(Map<String, String> h) {
        return Map.of("webhook-id", List.of(h.get("webhook-id")), "webhook-timestamp", List.of(h.get("webhook-timestamp")),
                "webhook-signature", List.of(h.get("webhook-signature")));
    }

    @Test
    void standardWebhooksVerifiesWithTheReferenceLibraryAndRejectsATamperedBody() throws Exception {
        WebhookSecret fresh = WebhookSecret.generate();
        Map<String, String> h = sign("standard-webhooks", new SignatureScheme.Keys(fresh, null), null, System.currentTimeMillis() / 1000);
        new Webhook(fresh.value()).verify(new String(BODY, StandardCharsets.UTF_8), asHeaders(h));
        assertThatThrownBy(() -> new Webhook(fresh.value()).verify(new String(BODY, StandardCharsets.UTF_8).replace("42", "43"), asHeaders(h)))
                .isInstanceOf(com.standardwebhooks.exceptions.WebhookVerificationException.class);
    }

    @Test
    void duringARotationSingleSignatureSchemesUseThePreviousSecretAndStandardWebhooksCarriesBoth() throws Exception {
        WebhookSecret next = WebhookSecret.generate();
        SignatureScheme.Keys rotating = new SignatureScheme.Keys(next, SECRET);
        assertThat(sign("sha256-hex", rotating, null, T)).isEqualTo(sign("sha256-hex", new SignatureScheme.Keys(SECRET, null), null, T));
        assertThat(sign("timestamped", rotating, null, T).get("X-Webhook-Signature")).contains("kid=k_2dc45c3fbe9e");
        long now = System.currentTimeMillis() / 1000;
        Map<String, String> both = sign("standard-webhooks", rotating, null, now);
        assertThat(both.get("webhook-signature").split(" ")).hasSize(2).allMatch(s -> s.startsWith("v1,"));
        new Webhook(SECRET.value()).verify(new String(BODY, StandardCharsets.UTF_8), asHeaders(both));
        new Webhook(next.value()).verify(new String(BODY, StandardCharsets.UTF_8), asHeaders(both));
    }

    @Test
    void generatedSecretsHaveTheDocumentedShapeAndNeverPrintTheirValue() {
        WebhookSecret s = WebhookSecret.generate();
        assertThat(s.value()).matches("whsec_[A-Za-z0-9+/]{43}=");
        assertThat(s.standardKey()).hasSize(32);
        assertThat(s.kid()).matches("k_[0-9a-f]{12}");
        assertThat(s.toString()).doesNotContain(s.value());
        assertThat(WebhookSecret.generate().value()).isNotEqualTo(s.value());
    }
}
