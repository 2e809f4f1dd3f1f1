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
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
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
 * Twilio's {@code X-Twilio-Signature}. The reference vectors are twilio-node's own, from
 * {@code spec/validation.spec.js} (token {@code 12345}, its URL, parameters, bodies and the signatures it
 * checks them against); they sign a URL of their own ({@code https://mycompany.com/myapp.php?...}), which
 * no Herald callback URL can be, so they are checked against the provider's verification directly.
 * Requests to a real Herald are signed in this test with the JDK's HmacSHA1 exactly as Twilio documents
 * the scheme (the URL, then the POST parameters sorted by name, each name followed by its value),
 * independently of Herald's code.
 */
class TwilioCallbackTest {
    // twilio/twilio-node spec/validation.spec.js
    static final String VECTOR_TOKEN = "12345";
    static final String VECTOR_URL = "https://mycompany.com/myapp.php?foo=1&bar=2";
    static final String VECTOR_PARAMS = "CallSid=CA1234567890ABCDE&Caller=%2B14158675309&Digits=1234&From=%2B14158675309&To=%2B18005551212";
    static final String VECTOR_SIGNATURE = "RSOYDt4T1cUTdK1PDd93/VVr8B8=";
    static final String VECTOR_BODY = "{\"property\": \"value\", \"boolean\": true}";
    static final String VECTOR_BODY_HASH = "0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620";

    static final String TOKEN = "9f2c4e1a7b3d5f60812a4c6e8f0b2d4f";
    static final String OTHER_TOKEN = "0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a";

    static TestHerald herald;
    Api api;
    String sourceId;
    String callbackUrl;

    @BeforeEach
    void start() {
        api = herald.newProject("twilio");
        JsonNode s = Callbacks.source(api, "{\"name\":\"twilio\",\"provider\":\"twilio\",\"credentials\":{\"auth_token\":\"" + TOKEN + "\"}}");
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

    // ---- twilio-node's vectors, against the verification itself ----

    static String verify(String url, String body, String signature) {
        Map<String, List<String>> headers = signature == null ? Map.of() : Map.of("X-Twilio-Signature", List.of(signature));
        CallbackRequest r = new CallbackRequest("POST", url, headers, body.getBytes(StandardCharsets.UTF_8), "127.0.0.1");
        return new TwilioProvider().verify(r, new Provider.Source("s", "p", Map.of("auth_token", VECTOR_TOKEN), Map.of(), Duration.ofMinutes(5), null),
                Instant.now());
    }

    @Test
    void twilioNodesFormVectorsVerifyAndAnythingElseDoesNot() {
        assertThat(verify(VECTOR_URL, VECTOR_PARAMS, VECTOR_SIGNATURE)).isNull();
        assertThat(verify(VECTOR_URL, "To=%2B18005551212&From=%2B14158675309&Digits=1234&Caller=%2B14158675309&CallSid=CA1234567890ABCDE",
                VECTOR_SIGNATURE)).as("parameter order does not matter").isNull();
        assertThat(verify(VECTOR_URL + "&Body=It's+amazing", VECTOR_PARAMS, "dsq4Ehbj6cs+KdTkpF5sSSplOWw=")).isNull();
        assertThat(verify(VECTOR_URL, "MessagingBinding.Address=%2B1325xxxxxxx&MessagingBinding.Address=%2B1415xxxxxxx",
                "83O6e2vORAoJHUNzJjDWN1jz+BA=")).isNull();
        assertThat(verify(VECTOR_URL, "MessagingBinding.Address=%2B1415xxxxxxx&MessagingBinding.Address=%2B1325xxxxxxx",
                "83O6e2vORAoJHUNzJjDWN1jz+BA=")).as("a repeated name's values in any order").isNull();
        assertThat(verify(VECTOR_URL, "Sid=CA123&SidAccount=AC123&Digits=5678&Digits=1234&Digits=1234", "IK+Dwps556ElfBT0I3Rgjkr1wJU="))
                .as("repeated values").isNull();

        assertThat(verify(VECTOR_URL, VECTOR_PARAMS, "WRONG_SIGNATURE")).isEqualTo("signature mismatch");
        assertThat(verify(VECTOR_URL, VECTOR_PARAMS.replace("Digits=1234", "Digits=9999"), VECTOR_SIGNATURE)).as("tampered").isEqualTo("signature mismatch");
        assertThat(verify(VECTOR_URL + "&x=1", VECTOR_PARAMS, VECTOR_SIGNATURE)).as("another URL").isEqualTo("signature mismatch");
        assertThat(verify(VECTOR_URL, VECTOR_PARAMS, null)).isEqualTo("missing X-Twilio-Signature header");
    }

    @Test
    void twilioNodesPortVectorsVerifyWithAndWithoutTheDefaultPort() {
        assertThat(verify(VECTOR_URL, VECTOR_PARAMS, "kvajT1Ptam85bY51eRf/AJRuM3w=")).as("signed with :443, called without").isNull();
        assertThat(verify(VECTOR_URL.replace("https", "http"), VECTOR_PARAMS, "0ZXoZLH/DfblKGATFgpif+LLRf4=")).as("signed with :80").isNull();
        assertThat(verify(VECTOR_URL.replace(".com", ".com:443"), VECTOR_PARAMS, VECTOR_SIGNATURE)).as("signed without, called with :443").isNull();
        assertThat(verify(VECTOR_URL.replace(".com", ".com:1234"), VECTOR_PARAMS, VECTOR_SIGNATURE)).as("any port stripped, as twilio-node does").isNull();
        assertThat(verify(VECTOR_URL.replace(".com", ".com:1234").replace("https", "http"), VECTOR_PARAMS, "Zmvh+3yNM1Phv2jhDCwEM3q5ebU="))
                .as("http with port 1234").isNull();
    }

    @Test
    void twilioNodesBodySha256VectorsVerifyAndATamperedBodyDoesNot() {
        assertThat(verify(VECTOR_URL + "&bodySHA256=" + VECTOR_BODY_HASH, VECTOR_BODY, "a9nBmqA0ju/hNViExpshrM61xv4=")).isNull();
        assertThat(verify("https://mycompany.com/myapp.php?bodySHA256=" + VECTOR_BODY_HASH, VECTOR_BODY, "y77kIzt2vzLz71DgmJGsen2scGs=")).isNull();
        assertThat(verify(VECTOR_URL + "&bodySHA256=44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a", "{}",
                "Ldidvp12m26NI7eqEvxnEpkd9Hc=")).as("an empty JSON body, signed with :443").isNull();

        assertThat(verify(VECTOR_URL + "&bodySHA256=" + VECTOR_BODY_HASH, VECTOR_BODY.replace("value", "other"), "a9nBmqA0ju/hNViExpshrM61xv4="))
                .isEqualTo("body does not match its bodySHA256");
        assertThat(verify(VECTOR_URL, VECTOR_BODY, VECTOR_SIGNATURE)).as("a body but no bodySHA256").isEqualTo("signature mismatch");
        assertThat(verify(VECTOR_URL + "&bodySHA256=" + VECTOR_BODY_HASH + "&bodySHA256=" + VECTOR_BODY_HASH, VECTOR_BODY, "a9nBmqA0ju/hNViExpshrM61xv4="))
                .isEqualTo("bodySHA256 given more than once");
    }

    // ---- a real Herald, signed in the test as Twilio documents ----

    /** HMAC-SHA1 (base64) over the URL followed by the parameters sorted by name, each name followed by its value. */
    static String sign(String token, String url, List<String> pairs) throws Exception {
        TreeMap<String, TreeSet<String>> sorted = new TreeMap<>();
        for (int i = 0; i < pairs.size(); i += 2) sorted.computeIfAbsent(pairs.get(i), k -> new TreeSet<>()).add(pairs.get(i + 1));
        StringBuilder data = new StringBuilder(url);
        sorted.forEach((k, vs) -> vs.forEach(v -> data.append(k).append(v)));
        Mac mac = Mac.getInstance("HmacSHA1");
        mac.init(new SecretKeySpec(token.getBytes(StandardCharsets.UTF_8), "HmacSHA1"));
        return Base64.getEncoder().encodeToString(mac.doFinal(data.toString().getBytes(StandardCharsets.UTF_8)));
    }

    static String form(List<String> pairs) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < pairs.size(); i += 2) {
            out.add(URLEncoder.encode(pairs.get(i), StandardCharsets.UTF_8) + "=" + URLEncoder.encode(pairs.get(i + 1), StandardCharsets.UTF_8));
        }
        return String.join("&", out);
    }

    static Callbacks.Answer post(TestHerald h, String sourceId, String body, String signature) {
        return Callbacks.post(h, sourceId, body.getBytes(StandardCharsets.UTF_8), "Content-Type", "application/x-www-form-urlencoded",
                "X-Twilio-Signature", signature);
    }

    static List<String> status(String sid, String status, String to, String... more) {
        List<String> p = new ArrayList<>(List.of("AccountSid", "AC3f1c2b0a9e8d7c6b5a4f3e2d1c0b9a8f", "ApiVersion", "2010-04-01",
                "From", "+15017122661", "MessageSid", sid, "MessageStatus", status, "SmsSid", sid, "SmsStatus", status, "To", to));
        p.addAll(List.of(more));
        return p;
    }

    @Test
    void aSignedStatusCallbackIsMappedAndARetryCreatesNothing() throws Exception {
        List<String> p = status("SM1f0e2d3c4b5a69788796a5b4c3d2e1f0", "delivered", "+15558675310");
        Callbacks.Answer a = post(herald, sourceId, form(p), sign(TOKEN, callbackUrl, p));
        assertThat(a.status()).as(a.text()).isEqualTo(200);
        assertThat(a.json().get("statuses").asInt()).isEqualTo(1);
        JsonNode s = Callbacks.statuses(api, "").get(0);
        assertThat(s.get("provider").asString()).isEqualTo("twilio");
        assertThat(s.get("channel").asString()).isEqualTo("sms");
        assertThat(s.get("status").asString()).isEqualTo("delivered");
        assertThat(s.get("provider_status").asString()).isEqualTo("delivered");
        assertThat(s.get("provider_message_id").asString()).isEqualTo("SM1f0e2d3c4b5a69788796a5b4c3d2e1f0");
        assertThat(s.get("recipient").asString()).isEqualTo("+15558675310");
        assertThat(s.get("reason").isNull()).isTrue();

        Callbacks.Answer replay = post(herald, sourceId, form(p), sign(TOKEN, callbackUrl, p));
        assertThat(replay.status()).as("Twilio signs no time: a replay verifies").isEqualTo(200);
        assertThat(replay.json().get("duplicates").asInt()).isEqualTo(1);
        assertThat(Callbacks.statuses(api, "")).as("but makes no second status").hasSize(1);
    }

    @Test
    void everyMessageStatusMapsAsDocumented() throws Exception {
        Map<String, String> mapping = new TreeMap<>(Map.of("accepted", "accepted", "queued", "accepted", "sending", "sent", "sent", "sent",
                "delivered", "delivered", "undelivered", "failed", "failed", "failed", "read", "read", "receiving", "received", "received", "received"));
        for (Map.Entry<String, String> m : mapping.entrySet()) {
            List<String> p = status("SM" + m.getKey(), m.getKey(), "+15558675310");
            Callbacks.Answer a = post(herald, sourceId, form(p), sign(TOKEN, callbackUrl, p));
            assertThat(a.status()).as(a.text()).isEqualTo(200);
            JsonNode s = Callbacks.statuses(api, "provider_message_id=SM" + m.getKey()).get(0);
            assertThat(s.get("status").asString()).as(m.getKey()).isEqualTo(m.getValue());
            assertThat(s.get("provider_status").asString()).isEqualTo(m.getKey());
        }
        assertThat(Callbacks.statuses(api, "")).hasSize(mapping.size());
    }

    @Test
    void aFailureCarriesItsErrorAndAnUnknownStatusOrAVoiceCallbackMakesNone() throws Exception {
        List<String> failed = status("SMf00d", "undelivered", "+15558675310", "ErrorCode", "30003", "ErrorMessage", "Unreachable destination handset");
        assertThat(post(herald, sourceId, form(failed), sign(TOKEN, callbackUrl, failed)).status()).isEqualTo(200);
        JsonNode s = Callbacks.statuses(api, "").get(0);
        assertThat(s.get("status").asString()).isEqualTo("failed");
        assertThat(s.get("provider_status").asString()).isEqualTo("undelivered");
        assertThat(s.get("reason").asString()).isEqualTo("30003: Unreachable destination handset");

        List<String> scheduled = status("SMsched", "scheduled", "+15558675310");
        List<String> call = List.of("CallSid", "CA0001", "CallStatus", "completed", "To", "+15558675310");
        for (List<String> p : List.of(scheduled, call)) {
            Callbacks.Answer a = post(herald, sourceId, form(p), sign(TOKEN, callbackUrl, p));
            assertThat(a.status()).as(a.text()).isEqualTo(200);
            assertThat(a.json().get("statuses").asInt()).isZero();
        }
        assertThat(Callbacks.statuses(api, "")).hasSize(1);
    }

    @Test
    void anIncomingSmsAndWhatsAppTrafficAreToldApartByTheAddress() throws Exception {
        List<String> incoming = List.of("AccountSid", "AC3f1c2b0a9e8d7c6b5a4f3e2d1c0b9a8f", "Body", "Hello there", "From", "+15558675310",
                "MessageSid", "SMinbound01", "NumMedia", "0", "SmsSid", "SMinbound01", "To", "+15017122661");
        assertThat(post(herald, sourceId, form(incoming), sign(TOKEN, callbackUrl, incoming)).status()).isEqualTo(200);
        JsonNode in = Callbacks.statuses(api, "status=received").get(0);
        assertThat(in.get("channel").asString()).isEqualTo("sms");
        assertThat(in.get("recipient").asString()).as("our number").isEqualTo("+15017122661");

        List<String> read = List.of("AccountSid", "AC3f1c2b0a9e8d7c6b5a4f3e2d1c0b9a8f", "ChannelPrefix", "whatsapp", "From", "whatsapp:+14155238886",
                "MessageSid", "SMwa01", "MessageStatus", "read", "SmsStatus", "read", "To", "whatsapp:+15558675310");
        assertThat(post(herald, sourceId, form(read), sign(TOKEN, callbackUrl, read)).status()).isEqualTo(200);
        JsonNode wa = Callbacks.statuses(api, "status=read").get(0);
        assertThat(wa.get("channel").asString()).isEqualTo("whatsapp");
        assertThat(wa.get("recipient").asString()).as("without the whatsapp: prefix").isEqualTo("+15558675310");

        List<String> waIn = List.of("Body", "Hi!", "From", "whatsapp:+15558675310", "MessageSid", "SMwa02", "SmsStatus", "received",
                "To", "whatsapp:+14155238886", "WaId", "15558675310");
        assertThat(post(herald, sourceId, form(waIn), sign(TOKEN, callbackUrl, waIn)).status()).isEqualTo(200);
        List<JsonNode> received = Callbacks.statuses(api, "status=received");
        assertThat(received).extracting(n -> n.get("channel").asString()).containsExactlyInAnyOrder("sms", "whatsapp");
    }

    @Test
    void tamperedParametersTheWrongTokenAnotherUrlOrAMissingOrDoubledSignatureAreRefused() throws Exception {
        List<String> p = status("SMtamper", "failed", "+15558675310");
        String sig = sign(TOKEN, callbackUrl, p);
        assertThat(post(herald, sourceId, form(status("SMtamper", "delivered", "+15558675310")), sig).status()).as("tampered").isEqualTo(401);
        assertThat(post(herald, sourceId, form(p) + "&Extra=1", sig).status()).as("a parameter added").isEqualTo(401);
        assertThat(post(herald, sourceId, form(p), sign(OTHER_TOKEN, callbackUrl, p)).status()).as("wrong token").isEqualTo(401);
        assertThat(post(herald, sourceId, form(p), sign(TOKEN, callbackUrl + "?x=1", p)).status()).as("another URL").isEqualTo(401);
        assertThat(Callbacks.post(herald, sourceId, form(p).getBytes(StandardCharsets.UTF_8), "Content-Type", "application/x-www-form-urlencoded")
                .status()).as("unsigned").isEqualTo(401);
        assertThat(Callbacks.post(herald, sourceId, form(p).getBytes(StandardCharsets.UTF_8), "X-Twilio-Signature", sig, "X-Twilio-Signature", sig)
                .status()).as("doubled").isEqualTo(401);
        assertThat(Callbacks.statuses(api, "")).isEmpty();
        assertThat(Callbacks.requests(api, sourceId)).extracting(r -> r.get("reason").asString())
                .contains("signature mismatch", "missing X-Twilio-Signature header", "X-Twilio-Signature header given more than once");
        assertThat(post(herald, sourceId, form(p), sig).status()).as("the untouched request still verifies").isEqualTo(200);
    }

    @Test
    void theCallbackUrlVerifiesSignedWithOrWithoutTheDefaultPort() throws Exception {
        List<String> p = status("SMport1", "sent", "+15558675310");
        String withPort = callbackUrl.replace("https://herald.example.com/", "https://herald.example.com:443/");
        assertThat(withPort).isNotEqualTo(callbackUrl);
        Callbacks.Answer a = post(herald, sourceId, form(p), sign(TOKEN, withPort, p));
        assertThat(a.status()).as("Twilio signed https://...:443/").isEqualTo(200);
        List<String> q = status("SMport2", "sent", "+15558675310");
        assertThat(post(herald, sourceId, form(q), sign(TOKEN, callbackUrl.replace("example.com/", "example.com:8443/"), q)).status())
                .as("another port").isEqualTo(401);

        try (TestHerald other = TestHerald.start(Map.of("HERALD_PUBLIC_URL", "https://herald.example.com:443"))) {
            Api otherApi = other.newProject("twilio-443");
            JsonNode s = Callbacks.source(otherApi, "{\"name\":\"t\",\"provider\":\"twilio\",\"credentials\":{\"auth_token\":\"" + TOKEN + "\"}}");
            String url = s.get("callback_url").asString();
            assertThat(url).contains(":443/");
            Callbacks.Answer b = post(other, s.get("id").asString(), form(p), sign(TOKEN, url.replace(":443/", "/"), p));
            assertThat(b.status()).as("Herald's URL has :443, Twilio signed without it").isEqualTo(200);
        }
    }

    @Test
    void aJsonBodyIsVerifiedByItsBodySha256() throws Exception {
        String body = "{\"MessageSid\":\"SMjson01\",\"MessageStatus\":\"delivered\",\"To\":\"+15558675310\",\"From\":\"+15017122661\"}";
        String hash = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body.getBytes(StandardCharsets.UTF_8)));
        String url = callbackUrl + "?bodySHA256=" + hash;
        String sig = sign(TOKEN, url, List.of());
        Callbacks.Answer tampered = Callbacks.send(herald, "POST", "/inbound/" + sourceId + "?bodySHA256=" + hash,
                body.replace("delivered", "failed").getBytes(StandardCharsets.UTF_8), "Content-Type", "application/json", "X-Twilio-Signature", sig);
        assertThat(tampered.status()).isEqualTo(401);
        assertThat(Callbacks.requests(api, sourceId).get(0).get("reason").asString()).isEqualTo("body does not match its bodySHA256");

        Callbacks.Answer a = Callbacks.send(herald, "POST", "/inbound/" + sourceId + "?bodySHA256=" + hash, body.getBytes(StandardCharsets.UTF_8),
                "Content-Type", "application/json", "X-Twilio-Signature", sig);
        assertThat(a.status()).as(a.text()).isEqualTo(200);
        JsonNode s = Callbacks.statuses(api, "").get(0);
        assertThat(s.get("status").asString()).isEqualTo("delivered");
        assertThat(s.get("provider_message_id").asString()).isEqualTo("SMjson01");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "{\"name\":\"x\",\"provider\":\"twilio\"}                                               | credentials",
            "{\"name\":\"x\",\"provider\":\"twilio\",\"credentials\":{}}                            | credentials.auth_token",
            "{\"name\":\"x\",\"provider\":\"twilio\",\"credentials\":{\"auth_token\":\"AC3f1c2b0a9e8d7c6b5a4f3e2d1c0b9a8f\"}} | credentials.auth_token",
            "{\"name\":\"x\",\"provider\":\"twilio\",\"credentials\":{\"auth_token\":\"12345\"}}    | credentials.auth_token",
            "{\"name\":\"x\",\"provider\":\"twilio\",\"credentials\":{\"auth_token\":7}}            | credentials.auth_token",
            "{\"name\":\"x\",\"provider\":\"twilio\",\"credentials\":{\"auth_token\":\"" + TOKEN + "\",\"sid\":\"AC1\"}} | credentials.sid",
            "{\"name\":\"x\",\"provider\":\"twilio\",\"credentials\":{\"auth_token\":\"" + TOKEN + "\"},\"options\":{\"a\":1}} | options.a"})
    void aMissingOrMalformedCredentialIsA400NamingIt(String body, String field) {
        Api.Res r = api.post("/api/v1/inbound-sources", body);
        assertThat(r.status()).as(r.toString()).isEqualTo(400);
        assertThat(r.json().get("error").get("field").asString()).isEqualTo(field);
    }
}
