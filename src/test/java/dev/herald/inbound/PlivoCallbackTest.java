package dev.herald.inbound;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.support.Api;
import dev.herald.support.TestHerald;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.JsonNode;

/**
 * Plivo's V3 and V2 callback signatures. The reference vectors are Plivo's own SDK tests: the V3 POST
 * vectors of plivo-go ({@code utils_test.go}, TestValidateSignatureV3Pass1 and Pass3: URL, nonce,
 * signature, auth token and parameters) and the V2 vector every Plivo SDK tests ({@code https://answer.url},
 * nonce {@code 12345}, token {@code my_auth_token}: plivo-node {@code test/utils.js}, plivo-python
 * {@code tests/resources/test_signature.py}). They sign URLs of their own, so they are checked against
 * the provider's verification directly. Requests to a real Herald are signed in this test with the JDK's
 * HmacSHA256 as Plivo's SDKs build the V3 string (URL, {@code ?}, sorted query, {@code .}, the POST
 * parameters sorted by name as name+value, {@code .}, nonce), independently of Herald's code.
 */
class PlivoCallbackTest {
    // plivo/plivo-go utils_test.go, TestValidateSignatureV3Pass1 / Pass3
    static final String VECTOR_TOKEN = "Y2Q2ZDgxZmY5YWRiOTI5YmQ1Njg0MTAxZWIyOTc4";
    static final String VECTOR_NONCE = "31627761595286130198";
    static final String VECTOR_URL = "https://plivobin.non-prod.plivops.com/api/v1/validate_signature03.xml";
    static final List<String> VECTOR_PARAMS = List.of("Direction", "outbound", "From", "19792014278", "ALegUUID", "3e82ae9d-2c78-4d85-b1a4-6eae7dbafb36",
            "CallStatus", "in-progress", "BillRate", "0.002", "ParentAuthID", "MANWVLYTK4ZWU1YTY4QA",
            "To", "sip:PlivoSignature382029104058171078704104@phone-qa.voice.plivodev.com", "ALegRequestUUID", "3e82ae9d-2c78-4d85-b1a4-6eae7dbafb36",
            "CallUUID", "3e82ae9d-2c78-4d85-b1a4-6eae7dbafb36", "RequestUUID", "3e82ae9d-2c78-4d85-b1a4-6eae7dbafb36",
            "SIP-H-To", "<sip:PlivoSignature382029104058171078704104@52.9.11.55;transport=udp>;tag=1", "SessionStart", "2020-04-08 11:34:33.238707",
            "Event", "StartApp");
    static final String VECTOR_WITH_QUERY = "k7Pusd4OxCIjR5IfA9iedDNu/h/gbdYqdzG/MiYtd1c=";
    static final String VECTOR_WITHOUT_QUERY = "iAjE5QqI37mbkYe4w3jTMudqEzbDufdqi7sYwTu64e0=";
    // plivo-node test/utils.js, plivo-python tests/resources/test_signature.py (validate_signature, V2)
    static final String V2_URL = "https://answer.url";
    static final String V2_NONCE = "12345";
    static final String V2_TOKEN = "my_auth_token";
    static final String V2_SIGNATURE = "ehV3IKhLysWBxC1sy8INm0qGoQYdYsHwuoKjsX7FsXc=";

    static final String TOKEN = "ZjQ5MzM4NGRhZWZiYTQ0NmM1YjQ0YTg0ZTIxNzE2";
    static final String OTHER_TOKEN = "MDk4NzY1NDMyMWZlZGNiYTk4NzY1NDMyMTBmZWRj";

    static TestHerald herald;
    Api api;
    String sourceId;
    String callbackUrl;

    @BeforeEach
    void start() {
        api = herald.newProject("plivo");
        JsonNode s = Callbacks.source(api, "{\"name\":\"plivo\",\"provider\":\"plivo\",\"credentials\":{\"auth_token\":\"" + TOKEN + "\"}}");
        sourceId = s.get("id").asString();
        callbackUrl = s.get("callback_url").asString();
    }

    /** One server for the class: each test gets a project and a source of its own. */
    @BeforeAll
    static void startHerald() {
        herald = TestHerald.start(Map.of("HERALD_PUBLIC_URL", "https://herald.example.com"));
    }

    @AfterAll
    static void stop() {
        herald.close();
    }

    // ---- Plivo's SDK vectors, against the verification itself ----

    static String verify(String url, String body, Map<String, Object> options, String token, String... headers) {
        Map<String, List<String>> h = new LinkedHashMap<>();
        for (int i = 0; i < headers.length; i += 2) h.computeIfAbsent(headers[i], k -> new ArrayList<>()).add(headers[i + 1]);
        CallbackRequest r = new CallbackRequest("POST", url, h, body.getBytes(StandardCharsets.UTF_8), "127.0.0.1");
        return new PlivoProvider().verify(r, new Provider.Source("s", "p", Map.of("auth_token", token), options, Duration.ofMinutes(5), null), Instant.now());
    }

    @Test
    void plivoGosV3VectorsVerifyAndAnythingElseDoesNot() {
        String body = form(VECTOR_PARAMS);
        assertThat(verify(VECTOR_URL + "/?a=b&c=d", body, Map.of(), VECTOR_TOKEN, "X-Plivo-Signature-V3", VECTOR_WITH_QUERY,
                "X-Plivo-Signature-V3-Nonce", VECTOR_NONCE)).as("with a query").isNull();
        assertThat(verify(VECTOR_URL, body, Map.of(), VECTOR_TOKEN, "X-Plivo-Signature-V3", VECTOR_WITHOUT_QUERY,
                "X-Plivo-Signature-V3-Nonce", VECTOR_NONCE)).as("without").isNull();
        assertThat(verify(VECTOR_URL, body, Map.of(), VECTOR_TOKEN, "X-Plivo-Signature-V3", "bm90IHRoaXMgb25l," + VECTOR_WITHOUT_QUERY,
                "X-Plivo-Signature-V3-Nonce", VECTOR_NONCE)).as("one of several comma-separated signatures").isNull();
        assertThat(verify(VECTOR_URL, body, Map.of(), VECTOR_TOKEN, "X-Plivo-Signature-Ma-V3", VECTOR_WITHOUT_QUERY,
                "X-Plivo-Signature-V3-Nonce", VECTOR_NONCE)).as("the main account's header").isNull();

        assertThat(verify(VECTOR_URL, body.replace("in-progress", "completed"), Map.of(), VECTOR_TOKEN, "X-Plivo-Signature-V3", VECTOR_WITHOUT_QUERY,
                "X-Plivo-Signature-V3-Nonce", VECTOR_NONCE)).as("tampered").isEqualTo("signature mismatch (V3)");
        assertThat(verify(VECTOR_URL, body, Map.of(), VECTOR_TOKEN, "X-Plivo-Signature-V3", VECTOR_WITHOUT_QUERY,
                "X-Plivo-Signature-V3-Nonce", VECTOR_NONCE + "1")).as("another nonce").isEqualTo("signature mismatch (V3)");
        assertThat(verify(VECTOR_URL, body, Map.of(), TOKEN, "X-Plivo-Signature-V3", VECTOR_WITHOUT_QUERY,
                "X-Plivo-Signature-V3-Nonce", VECTOR_NONCE)).as("another token").isEqualTo("signature mismatch (V3)");
        assertThat(verify(VECTOR_URL + "?a=b", body, Map.of(), VECTOR_TOKEN, "X-Plivo-Signature-V3", VECTOR_WITHOUT_QUERY,
                "X-Plivo-Signature-V3-Nonce", VECTOR_NONCE)).as("another query").isEqualTo("signature mismatch (V3)");
        assertThat(verify(VECTOR_URL, body, Map.of(), VECTOR_TOKEN, "X-Plivo-Signature-V3", VECTOR_WITHOUT_QUERY))
                .isEqualTo("missing X-Plivo-Signature-V3-Nonce header");
    }

    @Test
    void theV2VectorVerifiesOnlyWhereV2IsAcceptedAndNeverInsteadOfAFailedV3() {
        Map<String, Object> v2 = Map.of("accept_v2", true);
        assertThat(verify(V2_URL, "", v2, V2_TOKEN, "X-Plivo-Signature-V2", V2_SIGNATURE, "X-Plivo-Signature-V2-Nonce", V2_NONCE)).isNull();
        assertThat(verify(V2_URL + "?x=1", "To=1", v2, V2_TOKEN, "X-Plivo-Signature-Ma-V2", V2_SIGNATURE, "X-Plivo-Signature-V2-Nonce", V2_NONCE))
                .as("V2 signs neither the query nor the body").isNull();
        assertThat(verify(V2_URL, "", v2, "my_auth_tokens", "X-Plivo-Signature-V2", V2_SIGNATURE, "X-Plivo-Signature-V2-Nonce", V2_NONCE))
                .isEqualTo("signature mismatch (V2)");
        assertThat(verify(V2_URL, "", v2, V2_TOKEN, "X-Plivo-Signature-V2", V2_SIGNATURE, "X-Plivo-Signature-V2-Nonce", "123456"))
                .isEqualTo("signature mismatch (V2)");
        assertThat(verify(V2_URL, "", Map.of("accept_v2", false), V2_TOKEN, "X-Plivo-Signature-V2", V2_SIGNATURE, "X-Plivo-Signature-V2-Nonce", V2_NONCE))
                .startsWith("only a V2 signature");
        assertThat(verify(V2_URL, "", v2, V2_TOKEN, "X-Plivo-Signature-V2", V2_SIGNATURE, "X-Plivo-Signature-V2-Nonce", V2_NONCE,
                "X-Plivo-Signature-V3", "Zm9yZ2Vk", "X-Plivo-Signature-V3-Nonce", "1"))
                .as("a request with a V3 signature is judged by it alone").isEqualTo("signature mismatch (V3)");
    }

    // ---- a real Herald, signed in the test as Plivo's SDKs build the V3 string ----

    /** base64 HMAC-SHA256 over: URL without query, '?', sorted query as k=v&..., '.' when both, sorted POST params as kv..., '.', nonce. */
    static String signV3(String token, String url, List<String> params, String nonce) throws Exception {
        String base = url.contains("?") ? url.substring(0, url.indexOf('?')) : url;
        String query = url.contains("?") ? url.substring(url.indexOf('?') + 1) : "";
        TreeMap<String, String> q = new TreeMap<>();
        for (String pair : query.isEmpty() ? new String[0] : query.split("&")) q.put(pair.split("=", 2)[0], pair.split("=", 2)[1]);
        TreeMap<String, String> p = new TreeMap<>();
        for (int i = 0; i < params.size(); i += 2) p.put(params.get(i), params.get(i + 1));
        StringBuilder s = new StringBuilder(base);
        List<String> qs = new ArrayList<>();
        q.forEach((k, v) -> qs.add(k + "=" + v));
        if (!q.isEmpty() || !p.isEmpty()) s.append('?').append(String.join("&", qs));
        if (!q.isEmpty() && !p.isEmpty()) s.append('.');
        p.forEach((k, v) -> s.append(k).append(v));
        s.append('.').append(nonce);
        return hmac(token, s.toString());
    }

    static String hmac(String token, String data) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(token.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        return Base64.getEncoder().encodeToString(mac.doFinal(data.getBytes(StandardCharsets.UTF_8)));
    }

    static String form(List<String> pairs) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < pairs.size(); i += 2) {
            out.add(URLEncoder.encode(pairs.get(i), StandardCharsets.UTF_8) + "=" + URLEncoder.encode(pairs.get(i + 1), StandardCharsets.UTF_8));
        }
        return String.join("&", out);
    }

    static List<String> status(String uuid, String status, String type, String... more) {
        List<String> p = new ArrayList<>(List.of("From", "14155550100", "MCC", "310", "MNC", "260", "MessageUUID", uuid, "ParentMessageUUID", uuid,
                "PartInfo", "1 of 1", "Sequence", "1", "Status", status, "To", "14155550123", "TotalAmount", "0.00500", "TotalRate", "0.00500",
                "Type", type, "Units", "1"));
        p.addAll(List.of(more));
        return p;
    }

    Callbacks.Answer post(String pathAndQuery, List<String> params, String... headers) {
        List<String> h = new ArrayList<>(List.of("Content-Type", "application/x-www-form-urlencoded"));
        h.addAll(List.of(headers));
        return Callbacks.send(herald, "POST", pathAndQuery, form(params).getBytes(StandardCharsets.UTF_8), h.toArray(String[]::new));
    }

    Callbacks.Answer postV3(List<String> params, String signature, String nonce) {
        return post("/inbound/" + sourceId, params, "X-Plivo-Signature-V3", signature, "X-Plivo-Signature-V3-Nonce", nonce);
    }

    @Test
    void aSignedStatusCallbackIsMappedAndARetryCreatesNothing() throws Exception {
        List<String> p = status("e2b5fa1e-3c6b-11ee-8f5a-0242ac110003", "delivered", "sms");
        Callbacks.Answer a = postV3(p, signV3(TOKEN, callbackUrl, p, "05429567804466091622"), "05429567804466091622");
        assertThat(a.status()).as(a.text()).isEqualTo(200);
        assertThat(a.json().get("statuses").asInt()).isEqualTo(1);
        JsonNode s = Callbacks.statuses(api, "").get(0);
        assertThat(s.get("provider").asString()).isEqualTo("plivo");
        assertThat(s.get("channel").asString()).isEqualTo("sms");
        assertThat(s.get("status").asString()).isEqualTo("delivered");
        assertThat(s.get("provider_message_id").asString()).isEqualTo("e2b5fa1e-3c6b-11ee-8f5a-0242ac110003");
        assertThat(s.get("recipient").asString()).isEqualTo("14155550123");

        Callbacks.Answer replay = postV3(p, signV3(TOKEN, callbackUrl, p, "99999999999999999999"), "99999999999999999999");
        assertThat(replay.status()).as("a retry with a fresh nonce verifies").isEqualTo(200);
        assertThat(replay.json().get("duplicates").asInt()).isEqualTo(1);
        assertThat(Callbacks.statuses(api, "")).as("and makes no second status").hasSize(1);
    }

    @Test
    void everyMessageStatusMapsAsDocumented() throws Exception {
        Map<String, String> mapping = new TreeMap<>(Map.of("queued", "accepted", "sent", "sent", "delivered", "delivered", "undelivered", "failed",
                "failed", "failed", "rejected", "failed", "read", "read"));
        for (Map.Entry<String, String> m : mapping.entrySet()) {
            List<String> p = status("uuid-" + m.getKey(), m.getKey(), m.getKey().equals("read") ? "whatsapp" : "sms");
            Callbacks.Answer a = postV3(p, signV3(TOKEN, callbackUrl, p, "1" + m.getKey().length()), "1" + m.getKey().length());
            assertThat(a.status()).as(a.text()).isEqualTo(200);
            JsonNode s = Callbacks.statuses(api, "provider_message_id=uuid-" + m.getKey()).get(0);
            assertThat(s.get("status").asString()).as(m.getKey()).isEqualTo(m.getValue());
            assertThat(s.get("provider_status").asString()).isEqualTo(m.getKey());
            assertThat(s.get("channel").asString()).isEqualTo(m.getKey().equals("read") ? "whatsapp" : "sms");
        }
        List<String> failed = status("uuid-err", "undelivered", "sms", "ErrorCode", "30");
        assertThat(postV3(failed, signV3(TOKEN, callbackUrl, failed, "7"), "7").status()).isEqualTo(200);
        assertThat(Callbacks.statuses(api, "provider_message_id=uuid-err").get(0).get("reason").asString()).isEqualTo("30");

        List<String> incoming = List.of("From", "14155550123", "MessageUUID", "uuid-in", "Text", "Hello", "To", "14155550100", "TotalAmount", "0",
                "TotalRate", "0", "Type", "sms", "Units", "1");
        assertThat(postV3(incoming, signV3(TOKEN, callbackUrl, incoming, "8"), "8").status()).isEqualTo(200);
        JsonNode in = Callbacks.statuses(api, "provider_message_id=uuid-in").get(0);
        assertThat(in.get("status").asString()).isEqualTo("received");
        assertThat(in.get("recipient").asString()).as("our number").isEqualTo("14155550100");
    }

    @Test
    void aCallbackUrlWithAQueryIsSignedWithItsSortedQuery() throws Exception {
        List<String> p = status("uuid-q", "sent", "sms");
        String url = callbackUrl + "?tenant=acme&env=prod";
        Callbacks.Answer a = post("/inbound/" + sourceId + "?tenant=acme&env=prod", p, "X-Plivo-Signature-V3", signV3(TOKEN, url, p, "42"),
                "X-Plivo-Signature-V3-Nonce", "42");
        assertThat(a.status()).as(a.text()).isEqualTo(200);
    }

    @Test
    void tamperedParametersTheWrongTokenOrAMissingOrDoubledSignatureAreRefused() throws Exception {
        List<String> p = status("uuid-t", "failed", "sms");
        String sig = signV3(TOKEN, callbackUrl, p, "1234");
        assertThat(postV3(status("uuid-t", "delivered", "sms"), sig, "1234").status()).as("tampered").isEqualTo(401);
        assertThat(postV3(p, sig, "12345").status()).as("another nonce").isEqualTo(401);
        assertThat(postV3(p, signV3(OTHER_TOKEN, callbackUrl, p, "1234"), "1234").status()).as("wrong token").isEqualTo(401);
        assertThat(post("/inbound/" + sourceId, p).status()).as("unsigned").isEqualTo(401);
        assertThat(post("/inbound/" + sourceId, p, "X-Plivo-Signature-V3", sig, "X-Plivo-Signature-V3", sig, "X-Plivo-Signature-V3-Nonce", "1234")
                .status()).as("doubled").isEqualTo(401);
        assertThat(Callbacks.statuses(api, "")).isEmpty();
        assertThat(postV3(p, "c29tZSBvbGQgdG9rZW4=," + sig, "1234").status()).as("one of two signatures matches").isEqualTo(200);
        List<String> q = status("uuid-ma", "sent", "sms");
        assertThat(post("/inbound/" + sourceId, q, "X-Plivo-Signature-Ma-V3", signV3(TOKEN, callbackUrl, q, "5"), "X-Plivo-Signature-V3-Nonce", "5")
                .status()).as("the main account's signature, with the main account's token").isEqualTo(200);
    }

    @Test
    void v2IsRefusedUntilTheSourceAcceptsIt() throws Exception {
        List<String> p = status("uuid-v2", "delivered", "sms");
        String sig = hmac(TOKEN, callbackUrl + "05429567804466091622");
        Callbacks.Answer refused = post("/inbound/" + sourceId, p, "X-Plivo-Signature-V2", sig, "X-Plivo-Signature-V2-Nonce", "05429567804466091622");
        assertThat(refused.status()).isEqualTo(401);
        assertThat(Callbacks.requests(api, sourceId).get(0).get("reason").asString()).contains("options.accept_v2");

        Api.Res patched = api.patch("/api/v1/inbound-sources/" + sourceId, "{\"options\":{\"accept_v2\":true}}");
        assertThat(patched.status()).as(patched.toString()).isEqualTo(200);
        assertThat(patched.json().get("options").get("accept_v2").asBoolean()).isTrue();
        Callbacks.Answer accepted = post("/inbound/" + sourceId, p, "X-Plivo-Signature-V2", sig, "X-Plivo-Signature-V2-Nonce", "05429567804466091622");
        assertThat(accepted.status()).as(accepted.text()).isEqualTo(200);
        assertThat(Callbacks.statuses(api, "").get(0).get("status").asString()).isEqualTo("delivered");
        assertThat(post("/inbound/" + sourceId, p, "X-Plivo-Signature-V2", hmac(OTHER_TOKEN, callbackUrl + "1"), "X-Plivo-Signature-V2-Nonce", "1")
                .status()).as("wrong token").isEqualTo(401);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "{\"name\":\"x\",\"provider\":\"plivo\"}                                                 | credentials",
            "{\"name\":\"x\",\"provider\":\"plivo\",\"credentials\":{}}                              | credentials.auth_token",
            "{\"name\":\"x\",\"provider\":\"plivo\",\"credentials\":{\"auth_token\":\"MANWVLYTK4ZWU1YTY4QA\"}} | credentials.auth_token",
            "{\"name\":\"x\",\"provider\":\"plivo\",\"credentials\":{\"auth_token\":\"short\"}}      | credentials.auth_token",
            "{\"name\":\"x\",\"provider\":\"plivo\",\"credentials\":{\"auth_token\":\"has a space in it\"}} | credentials.auth_token",
            "{\"name\":\"x\",\"provider\":\"plivo\",\"credentials\":{\"auth_token\":\"" + TOKEN + "\",\"auth_id\":\"MA1\"}} | credentials.auth_id",
            "{\"name\":\"x\",\"provider\":\"plivo\",\"credentials\":{\"auth_token\":\"" + TOKEN + "\"},\"options\":{\"accept_v2\":\"yes\"}} | options.accept_v2",
            "{\"name\":\"x\",\"provider\":\"plivo\",\"credentials\":{\"auth_token\":\"" + TOKEN + "\"},\"options\":{\"v4\":true}} | options.v4"})
    void aMissingOrMalformedCredentialIsA400NamingIt(String body, String field) {
        Api.Res r = api.post("/api/v1/inbound-sources", body);
        assertThat(r.status()).as(r.toString()).isEqualTo(400);
        assertThat(r.json().get("error").get("field").asString()).isEqualTo(field);
    }
}
