package dev.herald.inbound;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.support.Api;
import dev.herald.support.TestHerald;
import dev.herald.util.Json;
import java.io.InputStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;

/**
 * MessageBird's {@code MessageBird-Signature-JWT}. The reference cases are MessageBird's own JWT test file,
 * {@code src/test/resources/inbound/messagebird-webhooksignature.json}, a verbatim copy of
 * messagebird/php-rest-api {@code tests/Unit/Data/webhooksignature.json} (commit ce38b05e; the same file
 * ships with MessageBird's other SDKs): each case gives the signing key, the URL called, the body, the
 * time of the check and the token, and says whether it must verify. They run against the provider's
 * verifier directly, because their URLs (https://example.com/...) cannot be the URL of a Herald source.
 *
 * <p>The requests sent to a running Herald are signed here with the JDK's HMAC-SHA256 as MessageBird
 * documents the token (header and claims base64url-encoded, {@code url_hash} and {@code payload_hash} the
 * hex SHA-256 of the URL called and of the body), independently of Herald's code.
 */
class MessageBirdCallbackTest {
    static final String KEY = "PlLrKaqvZNRR5zAjm42ZT6q1SQxgbbGd";
    static final String OTHER_KEY = "7Uhd0aGsbNhK3mQ8Wc2pRZtFvE9yLx4B";

    // ----- MessageBird's reference file -----

    static Stream<Arguments> referenceCases() throws Exception {
        JsonNode cases;
        try (InputStream in = MessageBirdCallbackTest.class.getResourceAsStream("/inbound/messagebird-webhooksignature.json")) {
            cases = Json.parse(in.readAllBytes());
        }
        List<Arguments> out = new ArrayList<>();
        cases.forEach(c -> out.add(Arguments.of(c.get("name").asString(), c)));
        assertThat(out).hasSize(44);
        return out.stream();
    }

    /** What Herald says for each reason the reference file gives (the file's wording is its Go SDK's). */
    static final Map<String, String> REASONS = Map.of(
            "invalid jwt: claim nbf is in the future", "claim nbf is in the future",
            "invalid jwt: claim exp is in the past", "claim exp is in the past",
            "invalid jwt: claim url_hash is invalid", "claim url_hash does not match the URL called",
            "invalid jwt: claim payload_hash is invalid", "claim payload_hash does not match the body",
            "invalid jwt: signature is invalid", "signature mismatch",
            "invalid jwt: claim payload_hash is set but actual payload is missing", "claim payload_hash is set but the body is empty",
            "invalid jwt: claim payload_hash is not set but payload is present", "claim payload_hash is missing but there is a body",
            "invalid jwt: signing method none is invalid", "unsigned or encrypted JWTs are refused (alg none)");

    @ParameterizedTest(name = "{0}")
    @MethodSource("referenceCases")
    void messageBirdsReferenceCasesVerifyExactlyWhenTheyShould(String name, JsonNode c) {
        // The PHP SDK's test uses this key where a case gives none (the unsigned one).
        String secret = c.has("secret") ? c.get("secret").asString() : "random-secret-to-not-fail-test";
        byte[] body = c.has("payload") ? c.get("payload").asString().getBytes(StandardCharsets.UTF_8) : new byte[0];
        CallbackRequest r = new CallbackRequest(c.get("method").asString(), c.get("url").asString(),
                Map.of("MessageBird-Signature-JWT", List.of(c.get("token").asString())), body, "203.0.113.9");
        Provider.Source source = new Provider.Source("s", "p", Map.of("signing_key", secret), Map.of(), Duration.ofMinutes(5), null);
        Instant at = OffsetDateTime.parse(c.get("timestamp").asString()).toInstant();

        String refused = new MessageBirdProvider().verify(r, source, at);

        if (c.get("valid").asBoolean()) {
            assertThat(refused).as(name).isNull();
        } else {
            assertThat(refused).as(name).isEqualTo(REASONS.get(c.get("reason").asString()));
        }
    }

    @Test
    void anAlgorithmNameFromAForgedTokenNeverReachesTheLogAsIs() throws Exception {
        String header = b64url("{\"alg\":\"HS256\\nINFO forged log line\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8));
        String token = header + "." + b64url("{\"iss\":\"MessageBird\"}".getBytes(StandardCharsets.UTF_8)) + ".c2ln";
        CallbackRequest r = new CallbackRequest("POST", "https://example.com/", Map.of("MessageBird-Signature-JWT", List.of(token)), new byte[0], "203.0.113.9");
        Provider.Source source = new Provider.Source("s", "p", Map.of("signing_key", KEY), Map.of(), Duration.ofMinutes(5), null);
        assertThat(new MessageBirdProvider().verify(r, source, Instant.now())).isEqualTo("JWT algorithm (unprintable) is not accepted");
    }

    // ----- a running Herald -----

    static TestHerald herald;
    Api api;
    String id;
    String callbackUrl;

    @BeforeEach
    void start() {
        api = herald.newProject("messagebird");
        JsonNode s = Callbacks.source(api, "{\"name\":\"mb\",\"provider\":\"messagebird\",\"credentials\":{\"signing_key\":\"" + KEY + "\"}}");
        id = s.get("id").asString();
        callbackUrl = s.get("callback_url").asString();
    }

    /** One server for the class: each test gets a project and a source of its own. */
    @BeforeAll
    static void startHerald() {
        herald = TestHerald.start(Map.of());
    }

    @AfterAll
    static void stop() {
        herald.close();
    }

    static String sha256Hex(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    static String b64url(byte[] b) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    /** A MessageBird-Signature-JWT for this URL and body, valid from {@code nbf} for a minute, signed with the JDK. */
    static String token(String key, String url, byte[] body, Instant nbf) throws Exception {
        String claims = "{\"iss\":\"MessageBird\",\"nbf\":" + nbf.getEpochSecond() + ",\"exp\":" + (nbf.getEpochSecond() + 60)
                + ",\"jti\":\"" + UUID.randomUUID() + "\",\"url_hash\":\"" + sha256Hex(url.getBytes(StandardCharsets.UTF_8)) + "\""
                + (body.length == 0 ? "" : ",\"payload_hash\":\"" + sha256Hex(body) + "\"") + "}";
        String input = b64url("{\"alg\":\"HS256\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8)) + "."
                + b64url(claims.getBytes(StandardCharsets.UTF_8));
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        return input + "." + b64url(mac.doFinal(input.getBytes(StandardCharsets.UTF_8)));
    }

    /** An SMS status report as MessageBird sends it by default: a GET with the report in the query. */
    static String report(String messageId, String status, String reason, String errorCode) {
        return "id=" + messageId + "&reference=order-17&recipient=31612345678&status=" + status
                + "&statusReason=" + URLEncoder.encode(reason, StandardCharsets.UTF_8) + (errorCode == null ? "" : "&statusErrorCode=" + errorCode)
                + "&statusDatetime=" + URLEncoder.encode("2026-03-02T10:15:00+00:00", StandardCharsets.UTF_8) + "&mccmnc=20408&ported=0";
    }

    Callbacks.Answer getReport(String query, String key, Instant nbf) throws Exception {
        return Callbacks.get(herald, "/inbound/" + id + "?" + query, "MessageBird-Signature-JWT",
                token(key, callbackUrl + "?" + query, new byte[0], nbf));
    }

    Callbacks.Answer postForm(String form, String signedForm, String key, Instant nbf) throws Exception {
        return Callbacks.post(herald, id, form.getBytes(StandardCharsets.UTF_8), "Content-Type", "application/x-www-form-urlencoded",
                "MessageBird-Signature-JWT", token(key, callbackUrl, signedForm.getBytes(StandardCharsets.UTF_8), nbf));
    }

    @Test
    void aSignedStatusReportByGetIsVerifiedMappedAndItsRetryCreatesNothing() throws Exception {
        String query = report("efa6405d518d4c0c88cce11f7db775fb", "delivery_failed", "unknown subscriber", "1");
        Callbacks.Answer a = getReport(query, KEY, Instant.now());
        assertThat(a.status()).as(a.text()).isEqualTo(200);
        assertThat(a.json().get("statuses").asInt()).isEqualTo(1);
        JsonNode s = Callbacks.statuses(api, "").get(0);
        assertThat(s.get("provider").asString()).isEqualTo("messagebird");
        assertThat(s.get("channel").asString()).isEqualTo("sms");
        assertThat(s.get("status").asString()).isEqualTo("failed");
        assertThat(s.get("provider_status").asString()).isEqualTo("delivery_failed");
        assertThat(s.get("provider_message_id").asString()).isEqualTo("efa6405d518d4c0c88cce11f7db775fb");
        assertThat(s.get("recipient").asString()).isEqualTo("31612345678");
        assertThat(s.get("reason").asString()).isEqualTo("unknown subscriber (error 1)");
        assertThat(s.get("occurred_at").asString()).isEqualTo("2026-03-02T10:15:00Z");

        // MessageBird retries with a new token (new jti, new times): the same report creates nothing new.
        Callbacks.Answer again = getReport(query, KEY, Instant.now());
        assertThat(again.status()).as(again.text()).isEqualTo(200);
        assertThat(again.json().get("duplicates").asInt()).isEqualTo(1);
        assertThat(Callbacks.statuses(api, "")).hasSize(1);
    }

    @Test
    void aSignedStatusReportByPostIsVerifiedOverItsBody() throws Exception {
        String form = report("msg-post-1", "delivered", "successfully delivered", null);
        Callbacks.Answer a = postForm(form, form, KEY, Instant.now());
        assertThat(a.status()).as(a.text()).isEqualTo(200);
        assertThat(Callbacks.statuses(api, "").get(0).get("status").asString()).isEqualTo("delivered");
    }

    @Test
    void aTamperedBodyATamperedQueryTheWrongKeyAStaleOrEarlyTokenOrNoTokenAreRefused() throws Exception {
        String form = report("msg-tampered", "delivery_failed", "unknown subscriber", "1");
        Callbacks.Answer tampered = postForm(form.replace("delivery_failed", "delivered"), form, KEY, Instant.now());
        assertThat(tampered.status()).isEqualTo(401);
        assertThat(tampered.json().at("/error/code").asString()).isEqualTo("signature_invalid");

        String query = report("msg-q", "delivered", "successfully delivered", null);
        String signedFor = callbackUrl + "?" + query;
        Callbacks.Answer otherQuery = Callbacks.get(herald, "/inbound/" + id + "?" + query.replace("31612345678", "31600000000"),
                "MessageBird-Signature-JWT", token(KEY, signedFor, new byte[0], Instant.now()));
        assertThat(otherQuery.status()).as("the URL is signed").isEqualTo(401);
        assertThat(getReport(query, OTHER_KEY, Instant.now()).status()).as("wrong key").isEqualTo(401);
        assertThat(getReport(query, KEY, Instant.now().minus(Duration.ofMinutes(7))).status()).as("expired 6 minutes ago").isEqualTo(401);
        assertThat(getReport(query, KEY, Instant.now().plus(Duration.ofMinutes(6))).status()).as("valid only in 6 minutes").isEqualTo(401);
        assertThat(Callbacks.get(herald, "/inbound/" + id + "?" + query).status()).as("no token").isEqualTo(401);
        assertThat(Callbacks.statuses(api, "")).isEmpty();
        assertThat(Callbacks.requests(api, id)).extracting(r -> r.get("reason").asString()).containsExactly(
                "missing MessageBird-Signature-JWT header", "claim nbf is in the future", "claim exp is in the past", "signature mismatch",
                "claim url_hash does not match the URL called", "claim payload_hash does not match the body");
    }

    @ParameterizedTest
    @CsvSource({"scheduled, accepted", "sent, sent", "buffered, deferred", "delivered, delivered", "expired, failed", "delivery_failed, failed"})
    void everySmsStatusMapsToHeraldsStatus(String providerStatus, String status) throws Exception {
        Callbacks.Answer a = getReport(report("m-" + providerStatus, providerStatus, "a reason", null), KEY, Instant.now());
        assertThat(a.status()).as(a.text()).isEqualTo(200);
        JsonNode s = Callbacks.statuses(api, "").get(0);
        assertThat(s.get("status").asString()).isEqualTo(status);
        assertThat(s.get("provider_status").asString()).isEqualTo(providerStatus);
    }

    @Test
    void conversationsApiMessageUpdatesMapByPlatform() throws Exception {
        String body = """
                {"type":"message.updated","contact":{"id":"9354647c5c144a2b94c6f7f7b4a0e16e","msisdn":31612345678},
                 "conversation":{"id":"2e15efafec384e1c82e9842075e87beb","status":"active"},
                 "message":{"id":"5f3437fdb8444583aea093a047ac014b","conversationId":"2e15efafec384e1c82e9842075e87beb",
                  "platform":"whatsapp","to":"+31612345678","from":"+31687654321","channelId":"619747f69cf940a98fb443140ce9aed2",
                  "type":"text","content":{"text":"Your order shipped"},"direction":"sent","status":"read",
                  "createdDatetime":"2026-03-02T10:00:00Z","updatedDatetime":"2026-03-02T10:05:00Z"}}""";
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        Callbacks.Answer a = Callbacks.post(herald, id, bytes, "Content-Type", "application/json",
                "MessageBird-Signature-JWT", token(KEY, callbackUrl, bytes, Instant.now()));
        assertThat(a.status()).as(a.text()).isEqualTo(200);
        JsonNode s = Callbacks.statuses(api, "").get(0);
        assertThat(s.get("channel").asString()).isEqualTo("whatsapp");
        assertThat(s.get("status").asString()).isEqualTo("read");
        assertThat(s.get("provider_message_id").asString()).isEqualTo("5f3437fdb8444583aea093a047ac014b");
        assertThat(s.get("recipient").asString()).isEqualTo("+31612345678");
        assertThat(s.get("occurred_at").asString()).isEqualTo("2026-03-02T10:05:00Z");

        // Webhooks about other things than messages are verified and recorded, and map to nothing.
        byte[] created = "{\"type\":\"conversation.created\",\"conversation\":{\"id\":\"2e15efafec384e1c82e9842075e87beb\",\"status\":\"active\"}}"
                .getBytes(StandardCharsets.UTF_8);
        Callbacks.Answer other = Callbacks.post(herald, id, created, "Content-Type", "application/json",
                "MessageBird-Signature-JWT", token(KEY, callbackUrl, created, Instant.now()));
        assertThat(other.status()).as(other.text()).isEqualTo(200);
        assertThat(other.json().get("statuses").asInt()).isZero();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "{\"name\":\"x\",\"provider\":\"messagebird\"}                                          | credentials",
            "{\"name\":\"x\",\"provider\":\"messagebird\",\"credentials\":{}}                       | credentials.signing_key",
            "{\"name\":\"x\",\"provider\":\"messagebird\",\"credentials\":{\"signing_key\":\"short\"}} | credentials.signing_key",
            "{\"name\":\"x\",\"provider\":\"messagebird\",\"credentials\":{\"signing_key\":1}}       | credentials.signing_key",
            "{\"name\":\"x\",\"provider\":\"messagebird\",\"credentials\":{\"signing_key\":\"" + KEY + "\",\"other\":\"\"}} | credentials.other"})
    void missingOrMalformedCredentialsAreA400NamingTheField(String body, String field) {
        Api.Res r = api.post("/api/v1/inbound-sources", body);
        assertThat(r.status()).as(r.toString()).isEqualTo(400);
        assertThat(r.json().at("/error/field").asString()).isEqualTo(field);
    }
}
