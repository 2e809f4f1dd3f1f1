package dev.herald.inbound;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.support.Api;
import dev.herald.support.TestHerald;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.JsonNode;

/**
 * Vonage's signed webhooks. The SMS API's {@code sig} vectors are Vonage's own SDK test data:
 * Vonage/vonage-node-sdk {@code packages/sms/__tests__/__dataSets__/signature.ts} (the same five appear in
 * vonage-ruby-sdk {@code test/vonage/signature_test.rb}: an inbound SMS, secret
 * {@code my_secret_key_for_testing}, one signature per method) and Vonage/vonage-java-sdk
 * {@code RequestSigningTest} ({@code a=alphabet&b=bananas}, secret {@code abcde}). The Messages API token
 * is vonage-ruby-sdk {@code test/vonage/test.rb}'s {@code sample_webhook_token} with its valid and invalid
 * secrets; the SDK publishes no body for its {@code payload_hash}, so that vector proves the signature
 * check alone. Everything else is signed here with the JDK (javax.crypto, MessageDigest) exactly as
 * Vonage documents the schemes, independently of Herald's code.
 */
class VonageCallbackTest {
    // vonage-node-sdk packages/sms/__tests__/__dataSets__/signature.ts
    static final String SDK_SECRET = "my_secret_key_for_testing";
    static final long SDK_TIMESTAMP = 1385047698;
    static final Map<String, String> SDK_PARAMS = sorted("message-timestamp", "2013-11-21 15:27:30", "messageId", "020000001B0FE827",
            "msisdn", "14843472194", "text", "Test again", "timestamp", "1385047698", "to", "13239877404", "type", "text");

    // vonage-ruby-sdk test/vonage/test.rb
    static final String RUBY_TOKEN = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpYXQiOjE1ODc0OTQ5NjIsImp0aSI6ImM1YmE4ZjI0LTFhMTQtNGMxMC1iZmRmLTNmYmU4Y2U1MTFiNSIsImlzcyI6IlZvbmFnZSIsInBheWxvYWRfaGFzaCI6ImQ2YzBlNzRiNTg1N2RmMjBlM2I3ZTUxYjMwYzBjMmE0MGVjNzNhNzc4NzliNmYwNzRkZGM3YTIzMTdkZDAzMWIiLCJhcGlfa2V5IjoiYTFiMmMzZCIsImFwcGxpY2F0aW9uX2lkIjoiYWFhYWFhYWEtYmJiYi1jY2NjLWRkZGQtMDEyMzQ1Njc4OWFiIn0.JQRKi1d0SQitmjPINfTWMpt3XZkGsLbD7EjCdXoNSbk";
    static final String RUBY_VALID_SECRET = "ZYtdTtGV3BCFN7tWmOWr1md66XsquMggr4W2cTtXtcPgfnI0Xw";
    static final String RUBY_INVALID_SECRET = "ZYtdTtGV3BCFN7tWmOWr1md66XsquMggr4W2cTtXtcPgf55555";

    static final String SECRET = "Qm9ZbW4cWk1oVx3tLr8yNf2aHs6dJp0uEi7gTc5vBq";
    static final String OTHER_SECRET = "Xr4nPq8sLk2mVb6cZt0wYd3fHg7jNa9eUi1oRs5uTy";

    static Map<String, String> sorted(String... kv) {
        Map<String, String> m = new TreeMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put(kv[i], kv[i + 1]);
        return m;
    }

    static String query(Map<String, String> params) {
        List<String> parts = new ArrayList<>();
        params.forEach((k, v) -> parts.add(URLEncoder.encode(k, StandardCharsets.UTF_8) + "=" + URLEncoder.encode(v, StandardCharsets.UTF_8)));
        return String.join("&", parts);
    }

    static CallbackRequest get(Map<String, String> params) {
        return new CallbackRequest("GET", "https://herald.example/inbound/x?" + query(params), Map.of(), new byte[0], "203.0.113.9");
    }

    static Provider.Source source(String secret, String method) {
        return new Provider.Source("s", "p", Map.of("signature_secret", secret), Map.of("sms_signature_method", method), Duration.ofMinutes(5), null);
    }

    // ----- Vonage's SDK vectors, against the verifier -----

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource({
            "md5hash, d2e7b1dc968737c5998ad624e02f90b7",
            "md5, DDEBD46008C2D4E93CCE578A332A52D5",
            "sha1, 27D0D05C2876C7CB1720DBCDBA4D492E1E55C09A",
            "sha256, DDB8397C2B90AAC7F3882D306475C9A5058C92322EEF43C92B298B6E0FC0D330",
            "sha512, E0D3C650F8C9D1A5C174D10DDDBFB003E561F59B265616208B0487C5D819481CD3C311D59CF6165ECD1139622D5BA3A256C0D763AC4A9AD9144B5A426B94FE82"})
    void theNodeSdksSmsSignatureVectorsVerifyWithTheirMethodOnly(String method, String sig) {
        Map<String, String> params = new TreeMap<>(SDK_PARAMS);
        params.put("sig", sig);
        VonageProvider p = new VonageProvider();
        Instant at = Instant.ofEpochSecond(SDK_TIMESTAMP + 2);
        assertThat(p.verify(get(params), source(SDK_SECRET, method), at)).isNull();
        for (String other : VonageProvider.METHODS) {
            if (!other.equals(method)) assertThat(p.verify(get(params), source(SDK_SECRET, other), at)).as(other).isEqualTo("signature mismatch");
        }
        assertThat(p.verify(get(params), source("not_the_secret", method), at)).isEqualTo("signature mismatch");
        params.put("text", "Test again!");
        assertThat(p.verify(get(params), source(SDK_SECRET, method), at)).as("tampered").isEqualTo("signature mismatch");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"md5hash, 7d43241108912b32cc315b48ce681acf", "sha256, 8d1b0428276b6a070578225914c3502cc0687a454dfbbbb370c76a14234cb546"})
    void theJavaSdksRequestSigningVectorsVerify(String method, String sig) {
        // vonage-java-sdk RequestSigningTest: a=alphabet, b=bananas, timestamp=2100, secret abcde (HMAC_SHA256 for sha256).
        Map<String, String> params = sorted("a", "alphabet", "b", "bananas", "timestamp", "2100", "sig", sig);
        assertThat(new VonageProvider().verify(get(params), source("abcde", method), Instant.ofEpochSecond(2100))).isNull();
    }

    @Test
    void theRubySdksSampleTokenPassesTheSignatureCheckWithItsSecretOnly() {
        VonageProvider p = new VonageProvider();
        Instant iat = Instant.ofEpochSecond(1587494962);
        CallbackRequest r = new CallbackRequest("POST", "https://herald.example/inbound/x", Map.of("Authorization", List.of("Bearer " + RUBY_TOKEN)),
                "{}".getBytes(StandardCharsets.UTF_8), "203.0.113.9");
        // Signature and iat hold; only the body (which the SDK does not publish) differs from the one hashed.
        assertThat(p.verify(r, source(RUBY_VALID_SECRET, "md5hash"), iat)).isEqualTo("claim payload_hash does not match the body");
        assertThat(p.verify(r, source(RUBY_INVALID_SECRET, "md5hash"), iat)).isEqualTo("signature mismatch");
        assertThat(p.verify(r, source(RUBY_VALID_SECRET, "md5hash"), iat.plus(Duration.ofMinutes(6)))).isEqualTo("stale token (iat)");
    }

    // ----- a running Herald -----

    static String create(Api api, String name, String secret, String method) {
        return Callbacks.source(api, "{\"name\":\"" + name + "\",\"provider\":\"vonage\",\"credentials\":{\"signature_secret\":\"" + secret + "\"}"
                + (method == null ? "" : ",\"options\":{\"sms_signature_method\":\"" + method + "\"}") + "}").get("id").asString();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
            "md5hash, d2e7b1dc968737c5998ad624e02f90b7",
            "sha256, DDB8397C2B90AAC7F3882D306475C9A5058C92322EEF43C92B298B6E0FC0D330"})
    void theSdkInboundSmsVectorArrivesAsAGetAndIsReceivedOnce(String method, String sig) {
        try (TestHerald h = SendGridCallbackTest.heraldAt(SDK_TIMESTAMP + 3, Map.of())) {
            Api api = h.newProject("vonage");
            String id = create(api, "vonage", SDK_SECRET, method.equals("md5hash") ? null : method);
            Map<String, String> params = new TreeMap<>(SDK_PARAMS);
            params.put("sig", sig);
            Callbacks.Answer a = Callbacks.get(h, "/inbound/" + id + "?" + query(params));
            assertThat(a.status()).as(a.text()).isEqualTo(200);
            JsonNode s = Callbacks.statuses(api, "").get(0);
            assertThat(s.get("status").asString()).isEqualTo("received");
            assertThat(s.get("channel").asString()).isEqualTo("sms");
            assertThat(s.get("provider_message_id").asString()).isEqualTo("020000001B0FE827");
            assertThat(s.get("recipient").asString()).as("your number").isEqualTo("13239877404");
            assertThat(s.get("occurred_at").asString()).isEqualTo("2013-11-21T15:27:30Z");

            Callbacks.Answer again = Callbacks.get(h, "/inbound/" + id + "?" + query(params));
            assertThat(again.json().get("duplicates").asInt()).isEqualTo(1);
            assertThat(Callbacks.statuses(api, "")).hasSize(1);
        }
    }

    /** {@code sig} for these parameters, computed with the JDK as Vonage documents it. */
    static String sig(Map<String, String> params, String secret, String method) throws Exception {
        StringBuilder text = new StringBuilder();
        new TreeMap<>(params).forEach((k, v) -> text.append('&').append(k).append('=').append(v.replaceAll("[&=]", "_")));
        byte[] bytes = text.toString().getBytes(StandardCharsets.UTF_8);
        if (method.equals("md5hash")) {
            return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest((text + secret).getBytes(StandardCharsets.UTF_8)));
        }
        String alg = Map.of("md5", "HmacMD5", "sha1", "HmacSHA1", "sha256", "HmacSHA256", "sha512", "HmacSHA512").get(method);
        Mac mac = Mac.getInstance(alg);
        mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), alg));
        return HexFormat.of().formatHex(mac.doFinal(bytes));
    }

    /** A delivery receipt as the SMS API sends it, signed; {@code now} is its timestamp. */
    static Map<String, String> receipt(String messageId, String status, String errCode, Instant now, String secret) throws Exception {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("msisdn", "447700900000");
        p.put("to", "AcmeInc");
        p.put("network-code", "23410");
        p.put("messageId", messageId);
        p.put("price", "0.03330000");
        p.put("status", status);
        p.put("scts", "2603021015");
        p.put("err-code", errCode);
        p.put("api-key", "a1b2c3d4");
        p.put("message-timestamp", "2026-03-02 10:15:02");
        p.put("timestamp", Long.toString(now.getEpochSecond()));
        p.put("nonce", UUID.randomUUID().toString());
        p.put("sig", sig(p, secret, "sha256"));
        return p;
    }

    @Test
    void signedDeliveryReceiptsByPostAreMappedAndRefusedWhenTamperedWronglyKeyedOrStale() throws Exception {
        try (TestHerald h = TestHerald.start(Map.of())) {
            Api api = h.newProject("vonage-dlr");
            String id = create(api, "vonage", SECRET, "sha256");
            Instant now = Instant.now();
            Map<String, String> failed = receipt("0A0000000123ABCD1", "failed", "6", now, SECRET);
            Callbacks.Answer a = Callbacks.post(h, id, query(failed).getBytes(StandardCharsets.UTF_8), "Content-Type", "application/x-www-form-urlencoded");
            assertThat(a.status()).as(a.text()).isEqualTo(200);
            JsonNode s = Callbacks.statuses(api, "").get(0);
            assertThat(s.get("status").asString()).isEqualTo("failed");
            assertThat(s.get("provider_status").asString()).isEqualTo("failed");
            assertThat(s.get("recipient").asString()).isEqualTo("447700900000");
            assertThat(s.get("reason").asString()).isEqualTo("Anti-Spam Rejection (err-code 6)");
            assertThat(s.get("occurred_at").asString()).isEqualTo("2026-03-02T10:15:02Z");

            // Vonage's retry carries a new timestamp, nonce and sig: the receipt is the same, nothing new.
            Map<String, String> retry = receipt("0A0000000123ABCD1", "failed", "6", Instant.now(), SECRET);
            Callbacks.Answer again = Callbacks.post(h, id, query(retry).getBytes(StandardCharsets.UTF_8), "Content-Type", "application/x-www-form-urlencoded");
            assertThat(again.json().get("duplicates").asInt()).isEqualTo(1);

            Map<String, String> tampered = receipt("0A0000000123ABCD2", "failed", "6", now, SECRET);
            tampered.put("status", "delivered");
            Map<String, String> wrongKey = receipt("0A0000000123ABCD3", "delivered", "0", now, OTHER_SECRET);
            Map<String, String> stale = receipt("0A0000000123ABCD4", "delivered", "0", now.minus(Duration.ofMinutes(6)), SECRET);
            Map<String, String> unsigned = receipt("0A0000000123ABCD5", "delivered", "0", now, SECRET);
            unsigned.remove("sig");
            for (Map<String, String> bad : List.of(tampered, wrongKey, stale, unsigned)) {
                Callbacks.Answer r = Callbacks.post(h, id, query(bad).getBytes(StandardCharsets.UTF_8), "Content-Type", "application/x-www-form-urlencoded");
                assertThat(r.status()).as(bad.toString()).isEqualTo(401);
            }
            assertThat(Callbacks.statuses(api, "")).hasSize(1);
            assertThat(Callbacks.requests(api, id)).extracting(r -> r.get("reason").asString()).startsWith(
                    "missing Authorization bearer token or sig parameter", "stale timestamp", "signature mismatch", "signature mismatch");
        }
    }

    @Test
    void aSignedReceiptPostedAsJsonIsVerifiedOverItsMembers() throws Exception {
        try (TestHerald h = TestHerald.start(Map.of())) {
            Api api = h.newProject("vonage-json");
            String id = create(api, "vonage", SECRET, "sha512");
            Map<String, String> p = receipt("0A0000000123ABCE1", "delivered", "0", Instant.now(), SECRET);
            p.put("sig", sig(withoutSig(p), SECRET, "sha512"));
            // Vonage's POST-JSON method: the same parameters as a flat JSON object of text members.
            tools.jackson.databind.node.ObjectNode json = dev.herald.util.Json.object();
            p.forEach(json::put);
            Callbacks.Answer a = Callbacks.post(h, id, json.toString().getBytes(StandardCharsets.UTF_8), "Content-Type", "application/json");
            assertThat(a.status()).as(a.text()).isEqualTo(200);
            assertThat(Callbacks.statuses(api, "").get(0).get("status").asString()).isEqualTo("delivered");
            json.put("status", "failed");
            assertThat(Callbacks.post(h, id, json.toString().getBytes(StandardCharsets.UTF_8), "Content-Type", "application/json").status())
                    .as("tampered").isEqualTo(401);
        }
    }

    @Test
    void everyDeliveryReceiptStatusMapsToHeraldsStatus() throws Exception {
        Map<String, String> expected = Map.of("accepted", "sent", "buffered", "deferred", "delivered", "delivered", "expired", "failed",
                "failed", "failed", "rejected", "failed", "unknown", "sent");
        try (TestHerald h = TestHerald.start(Map.of())) {
            Api api = h.newProject("vonage-map");
            String id = create(api, "vonage", SECRET, null);
            for (String status : expected.keySet()) {
                Map<String, String> p = receipt("msg-" + status, status, "0", Instant.now(), SECRET);
                p.put("sig", sig(withoutSig(p), SECRET, "md5hash"));
                Callbacks.Answer a = Callbacks.get(h, "/inbound/" + id + "?" + query(p));
                assertThat(a.status()).as(status + ": " + a.text()).isEqualTo(200);
            }
            for (JsonNode s : Callbacks.statuses(api, "")) {
                assertThat(s.get("status").asString()).as(s.get("provider_status").asString()).isEqualTo(expected.get(s.get("provider_status").asString()));
                assertThat(s.get("reason").isNull()).as("err-code 0 is no reason").isTrue();
            }
            assertThat(Callbacks.statuses(api, "")).hasSize(expected.size());
        }
    }

    static Map<String, String> withoutSig(Map<String, String> p) {
        Map<String, String> m = new LinkedHashMap<>(p);
        m.remove("sig");
        return m;
    }

    // ----- the Messages API's signed JWT -----

    static String b64url(byte[] b) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    /** A Messages API webhook token for this body, issued at {@code iat}, signed with the JDK's HMAC-SHA256. */
    static String token(String secret, byte[] body, Instant iat) throws Exception {
        String claims = "{\"iat\":" + iat.getEpochSecond() + ",\"jti\":\"" + UUID.randomUUID() + "\",\"iss\":\"Vonage\",\"payload_hash\":\""
                + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body))
                + "\",\"api_key\":\"a1b2c3d\",\"application_id\":\"aaaaaaaa-bbbb-cccc-dddd-0123456789ab\"}";
        String input = b64url("{\"alg\":\"HS256\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8)) + "." + b64url(claims.getBytes(StandardCharsets.UTF_8));
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        return input + "." + b64url(mac.doFinal(input.getBytes(StandardCharsets.UTF_8)));
    }

    static Callbacks.Answer postMessages(TestHerald h, String id, String body, String token) {
        return Callbacks.post(h, id, body.getBytes(StandardCharsets.UTF_8), "Content-Type", "application/json", "Authorization", "Bearer " + token);
    }

    static String statusBody(String uuid, String channel, String status) {
        return "{\"message_uuid\":\"" + uuid + "\",\"to\":\"447700900000\",\"from\":\"447700900001\",\"timestamp\":\"2026-03-02T10:15:00.000Z\","
                + "\"status\":\"" + status + "\",\"channel\":\"" + channel + "\""
                + (status.equals("rejected") ? ",\"error\":{\"type\":\"https://developer.vonage.com/api-errors/messages#1330\",\"title\":1330,"
                + "\"detail\":\"The message was rejected by the WhatsApp network\",\"instance\":\"bf0ca0bf-927b-3b52-e3a1-8fd9fcb4d7ab\"}" : "") + "}";
    }

    @Test
    void messagesApiStatusesAndInboundMessagesAreVerifiedMappedAndNotRepeated() throws Exception {
        try (TestHerald h = TestHerald.start(Map.of())) {
            Api api = h.newProject("vonage-messages");
            String id = create(api, "vonage", SECRET, null);
            Map<String, String> expected = Map.of("submitted", "sent", "delivered", "delivered", "read", "read", "rejected", "failed",
                    "undeliverable", "failed");
            int n = 0;
            for (String status : expected.keySet()) {
                String body = statusBody("aaaaaaaa-bbbb-cccc-dddd-00000000000" + n++, "whatsapp", status);
                Callbacks.Answer a = postMessages(h, id, body, token(SECRET, body.getBytes(StandardCharsets.UTF_8), Instant.now()));
                assertThat(a.status()).as(status + ": " + a.text()).isEqualTo(200);
            }
            String inbound = "{\"channel\":\"sms\",\"message_uuid\":\"aaaaaaaa-bbbb-cccc-dddd-0123456789ab\",\"to\":\"447700900000\","
                    + "\"from\":\"447700900001\",\"timestamp\":\"2026-03-02T10:16:00Z\",\"text\":\"Hello\",\"message_type\":\"text\"}";
            assertThat(postMessages(h, id, inbound, token(SECRET, inbound.getBytes(StandardCharsets.UTF_8), Instant.now())).status()).isEqualTo(200);
            List<JsonNode> statuses = Callbacks.statuses(api, "");
            assertThat(statuses).hasSize(6);
            for (JsonNode s : statuses) {
                String ps = s.get("provider_status").asString();
                if (s.get("status").asString().equals("received")) {
                    assertThat(s.get("channel").asString()).isEqualTo("sms");
                    assertThat(ps).isEqualTo("text");
                    continue;
                }
                assertThat(s.get("status").asString()).as(ps).isEqualTo(expected.get(ps));
                assertThat(s.get("channel").asString()).isEqualTo("whatsapp");
                assertThat(s.get("occurred_at").asString()).isEqualTo("2026-03-02T10:15:00Z");
                if (ps.equals("rejected")) assertThat(s.get("reason").asString()).isEqualTo("The message was rejected by the WhatsApp network (error 1330)");
            }

            // Vonage's retry of a status: a new token, the same body; nothing new.
            String body = statusBody("aaaaaaaa-bbbb-cccc-dddd-000000000000", "whatsapp", expected.keySet().iterator().next());
            Callbacks.Answer again = postMessages(h, id, body, token(SECRET, body.getBytes(StandardCharsets.UTF_8), Instant.now()));
            assertThat(again.status()).isEqualTo(200);
            assertThat(again.json().get("duplicates").asInt()).isEqualTo(1);
        }
    }

    @Test
    void messagesApiTokensAreRefusedForATamperedBodyTheWrongSecretAStaleIatOrAnotherAlgorithm() throws Exception {
        try (TestHerald h = TestHerald.start(Map.of())) {
            Api api = h.newProject("vonage-refused");
            String id = create(api, "vonage", SECRET, null);
            String body = statusBody("bbbbbbbb-bbbb-cccc-dddd-000000000001", "sms", "delivered");
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            assertThat(postMessages(h, id, body.replace("delivered", "rejected"), token(SECRET, bytes, Instant.now())).status()).as("tampered").isEqualTo(401);
            assertThat(postMessages(h, id, body, token(OTHER_SECRET, bytes, Instant.now())).status()).as("wrong secret").isEqualTo(401);
            assertThat(postMessages(h, id, body, token(SECRET, bytes, Instant.now().minus(Duration.ofMinutes(6)))).status()).as("stale").isEqualTo(401);
            String good = token(SECRET, bytes, Instant.now());
            String none = b64url("{\"alg\":\"none\"}".getBytes(StandardCharsets.UTF_8)) + "." + good.split("\\.")[1] + ".";
            assertThat(postMessages(h, id, body, none).status()).as("alg none").isEqualTo(401);
            assertThat(Callbacks.statuses(api, "")).isEmpty();
            assertThat(Callbacks.requests(api, id)).extracting(r -> r.get("reason").asString()).containsExactly(
                    "unsigned or encrypted JWTs are refused (alg none)", "stale token (iat)", "signature mismatch",
                    "claim payload_hash does not match the body");
            assertThat(postMessages(h, id, body, good).status()).isEqualTo(200);
        }
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "{\"name\":\"x\",\"provider\":\"vonage\"}                                                 | credentials",
            "{\"name\":\"x\",\"provider\":\"vonage\",\"credentials\":{}}                              | credentials.signature_secret",
            "{\"name\":\"x\",\"provider\":\"vonage\",\"credentials\":{\"signature_secret\":\"\"}}     | credentials.signature_secret",
            "{\"name\":\"x\",\"provider\":\"vonage\",\"credentials\":{\"signature_secret\":[]}}       | credentials.signature_secret",
            "{\"name\":\"x\",\"provider\":\"vonage\",\"credentials\":{\"signature_secret\":\"s\"},\"options\":{\"sms_signature_method\":\"sha384\"}} | options.sms_signature_method",
            "{\"name\":\"x\",\"provider\":\"vonage\",\"credentials\":{\"signature_secret\":\"s\"},\"options\":{\"method\":\"md5\"}} | options.method"})
    void missingOrMalformedCredentialsAndOptionsAreA400NamingTheField(String body, String field) {
        try (TestHerald h = TestHerald.start(Map.of())) {
            Api.Res r = h.newProject("vonage-400").post("/api/v1/inbound-sources", body);
            assertThat(r.status()).as(r.toString()).isEqualTo(400);
            assertThat(r.json().at("/error/field").asString()).isEqualTo(field);
        }
    }

    @Test
    void theSignatureMethodDefaultsToMd5HashAndIsShownWithTheSource() {
        try (TestHerald h = TestHerald.start(Map.of())) {
            Api api = h.newProject("vonage-options");
            JsonNode s = Callbacks.source(api, "{\"name\":\"v\",\"provider\":\"vonage\",\"credentials\":{\"signature_secret\":\"" + SECRET + "\"}}");
            assertThat(s.at("/options/sms_signature_method").asString()).isEqualTo("md5hash");
            assertThat(s.toString()).doesNotContain(SECRET);
        }
    }
}
