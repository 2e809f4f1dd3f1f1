package dev.herald.inbound;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.support.Api;
import dev.herald.support.TestHerald;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.JsonNode;

/**
 * Gupshup's WhatsApp callbacks, which Gupshup does not sign: Herald requires the shared token in a
 * header of the user's choosing and, when set, a peer address in the allow-list. The payloads are in the
 * shape of Gupshup's v2 callback examples ({@code message-event} and {@code message}). The test Herald
 * sees its callers at 127.0.0.1.
 */
class GupshupCallbackTest {
    static final String TOKEN = "6b1f0c8e5a2d4f7b9e3c1a5d7f9b2e4c";

    static String event(String type, String id, String detail) {
        return "{\"app\":\"DemoApp\",\"timestamp\":1580546678033,\"version\":2,\"type\":\"message-event\",\"payload\":{" + id
                + ",\"type\":\"" + type + "\",\"destination\":\"918098012134\",\"payload\":" + detail + "}}";
    }

    static final String DELIVERED = event("delivered", "\"id\":\"gBEGkYaYVSEEAgnPFrOLcjkFjL8\",\"gsId\":\"59f8db90-0b61-4a1d-9c1c-b8e3fa4c5d38\"",
            "{\"ts\":1580546678}");
    static final String INCOMING = "{\"app\":\"DemoApp\",\"timestamp\":1580227766370,\"version\":2,\"type\":\"message\",\"payload\":{"
            + "\"id\":\"ABEGkYaYVSEEAhAL3SLAWwHKeKrt6s3FKB0c\",\"source\":\"918098012134\",\"type\":\"text\",\"payload\":{\"text\":\"Hi\"},"
            + "\"sender\":{\"phone\":\"918098012134\",\"name\":\"Smit\",\"country_code\":\"91\",\"dial_code\":\"8098012134\"}}}";

    static TestHerald herald;
    Api api;
    String sourceId;

    @BeforeEach
    void start() {
        api = herald.newProject("gupshup");
        sourceId = Callbacks.source(api, "{\"name\":\"gupshup\",\"provider\":\"gupshup\",\"credentials\":{\"token\":\"" + TOKEN + "\"}}")
                .get("id").asString();
    }

    /** One server for the class: each test gets a project and a source of its own. */
    @BeforeAll
    static void startHerald() {
        herald = TestHerald.start();
    }

    @AfterAll
    static void stop() {
        herald.close();
    }

    Callbacks.Answer post(String body, String... headers) {
        String[] h = new String[headers.length + 2];
        h[0] = "Content-Type";
        h[1] = "application/json";
        System.arraycopy(headers, 0, h, 2, headers.length);
        return Callbacks.post(herald, sourceId, body.getBytes(StandardCharsets.UTF_8), h);
    }

    @Test
    void aCallbackWithTheTokenIsMappedAndARetryCreatesNothing() {
        Callbacks.Answer a = post(DELIVERED, "X-Herald-Token", TOKEN);
        assertThat(a.status()).as(a.text()).isEqualTo(200);
        JsonNode s = Callbacks.statuses(api, "").get(0);
        assertThat(s.get("provider").asString()).isEqualTo("gupshup");
        assertThat(s.get("channel").asString()).isEqualTo("whatsapp");
        assertThat(s.get("status").asString()).isEqualTo("delivered");
        assertThat(s.get("provider_message_id").asString()).as("Gupshup's message id (gsId)").isEqualTo("59f8db90-0b61-4a1d-9c1c-b8e3fa4c5d38");
        assertThat(s.get("recipient").asString()).isEqualTo("918098012134");
        assertThat(s.get("occurred_at").asString()).isEqualTo("2020-02-01T08:44:38.033Z");

        Callbacks.Answer replay = post(DELIVERED, "X-Herald-Token", TOKEN);
        assertThat(replay.status()).isEqualTo(200);
        assertThat(replay.json().get("duplicates").asInt()).isEqualTo(1);
        assertThat(Callbacks.statuses(api, "")).hasSize(1);
    }

    @Test
    void everyEventMapsAsDocumented() {
        Map<String, String> mapping = Map.of("enqueued", "accepted", "sent", "sent", "delivered", "delivered", "read", "read");
        for (Map.Entry<String, String> m : mapping.entrySet()) {
            Callbacks.Answer a = post(event(m.getKey(), "\"id\":\"wamid-" + m.getKey() + "\",\"gsId\":\"gs-" + m.getKey() + "\"", "{\"ts\":1580546678}"),
                    "X-Herald-Token", TOKEN);
            assertThat(a.status()).as(a.text()).isEqualTo(200);
            assertThat(Callbacks.statuses(api, "provider_message_id=gs-" + m.getKey()).get(0).get("status").asString()).isEqualTo(m.getValue());
        }
        String failed = event("failed", "\"id\":\"ee4a68a0-1203-4c85-8dc3-49d0b3226a35\"",
                "{\"code\":1002,\"reason\":\"Number Does Not Exists On WhatsApp\"}");
        assertThat(post(failed, "X-Herald-Token", TOKEN).status()).isEqualTo(200);
        JsonNode f = Callbacks.statuses(api, "status=failed").get(0);
        assertThat(f.get("provider_message_id").asString()).isEqualTo("ee4a68a0-1203-4c85-8dc3-49d0b3226a35");
        assertThat(f.get("reason").asString()).isEqualTo("1002: Number Does Not Exists On WhatsApp");

        assertThat(post(INCOMING, "X-Herald-Token", TOKEN).status()).isEqualTo(200);
        JsonNode in = Callbacks.statuses(api, "status=received").get(0);
        assertThat(in.get("provider_message_id").asString()).isEqualTo("ABEGkYaYVSEEAhAL3SLAWwHKeKrt6s3FKB0c");
        assertThat(in.get("provider_status").asString()).isEqualTo("text");

        Callbacks.Answer optIn = post("{\"app\":\"DemoApp\",\"timestamp\":1580546678033,\"version\":2,\"type\":\"user-event\","
                + "\"payload\":{\"phone\":\"918098012134\",\"type\":\"opted-in\"}}", "X-Herald-Token", TOKEN);
        assertThat(optIn.json().get("statuses").asInt()).as("other types are recorded only").isZero();
        assertThat(Callbacks.statuses(api, "")).hasSize(6);
    }

    @Test
    void theWrongTokenNoTokenOrATokenGivenTwiceIsRefused() {
        assertThat(post(DELIVERED, "X-Herald-Token", TOKEN.replace('6', '7')).status()).as("wrong token").isEqualTo(401);
        assertThat(post(DELIVERED, "X-Herald-Token", TOKEN.substring(1)).status()).as("a prefix of it").isEqualTo(401);
        assertThat(post(DELIVERED).status()).as("none").isEqualTo(401);
        assertThat(post(DELIVERED, "X-Herald-Token", TOKEN, "X-Herald-Token", TOKEN).status()).as("doubled").isEqualTo(401);
        assertThat(Callbacks.statuses(api, "")).isEmpty();
        assertThat(Callbacks.requests(api, sourceId)).extracting(r -> r.get("reason").asString())
                .contains("token mismatch", "missing X-Herald-Token header", "X-Herald-Token header given more than once");
    }

    @Test
    void nothingBindsTheTokenToTheBodySoAnyBodyWithItIsAccepted() {
        // The weakness docs/inbound.md states: with the token, a changed body is as good as Gupshup's own.
        Callbacks.Answer a = post(DELIVERED.replace("\"delivered\"", "\"read\""), "X-Herald-Token", TOKEN);
        assertThat(a.status()).isEqualTo(200);
        assertThat(Callbacks.statuses(api, "").get(0).get("status").asString()).isEqualTo("read");
    }

    @Test
    void theTokenIsReadFromTheHeaderTheSourceNames() {
        Api.Res r = api.patch("/api/v1/inbound-sources/" + sourceId, "{\"options\":{\"header\":\"X-Gupshup-Secret\"}}");
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertThat(r.json().get("options").get("header").asString()).isEqualTo("X-Gupshup-Secret");
        assertThat(post(DELIVERED, "X-Herald-Token", TOKEN).status()).as("the default header no longer counts").isEqualTo(401);
        assertThat(post(DELIVERED, "x-gupshup-secret", TOKEN).status()).as("header names are case-insensitive").isEqualTo(200);
    }

    @Test
    void theIpAllowListRefusesAPeerOutsideItAndAcceptsOneInside() {
        Api.Res outside = api.patch("/api/v1/inbound-sources/" + sourceId, "{\"options\":{\"allowed_ips\":[\"203.0.113.0/24\", \"2001:db8::/32\"]}}");
        assertThat(outside.status()).as(outside.toString()).isEqualTo(200);
        Callbacks.Answer refused = post(DELIVERED, "X-Herald-Token", TOKEN);
        assertThat(refused.status()).as("127.0.0.1 is not in the list, even with the right token").isEqualTo(401);
        JsonNode record = Callbacks.requests(api, sourceId).get(0);
        assertThat(record.get("reason").asString()).isEqualTo("source address 127.0.0.1 is not in allowed_ips");
        assertThat(record.get("remote_address").asString()).isEqualTo("127.0.0.1");
        assertThat(Callbacks.statuses(api, "")).isEmpty();

        Api.Res inside = api.patch("/api/v1/inbound-sources/" + sourceId, "{\"options\":{\"allowed_ips\":[\"203.0.113.0/24\", \"127.0.0.0/8\"]}}");
        assertThat(inside.status()).as(inside.toString()).isEqualTo(200);
        assertThat(post(DELIVERED, "X-Herald-Token", TOKEN).status()).isEqualTo(200);
        assertThat(post(INCOMING, "X-Herald-Token", "not-the-token-at-all").status()).as("inside the list, the token still counts").isEqualTo(401);
        assertThat(Callbacks.statuses(api, "")).hasSize(1);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "{\"name\":\"x\",\"provider\":\"gupshup\"}                                                  | credentials",
            "{\"name\":\"x\",\"provider\":\"gupshup\",\"credentials\":{}}                               | credentials.token",
            "{\"name\":\"x\",\"provider\":\"gupshup\",\"credentials\":{\"token\":\"short\"}}            | credentials.token",
            "{\"name\":\"x\",\"provider\":\"gupshup\",\"credentials\":{\"token\":\"a token with spaces in it\"}} | credentials.token",
            "{\"name\":\"x\",\"provider\":\"gupshup\",\"credentials\":{\"token\":\"" + TOKEN + "\"},\"options\":{\"header\":\"X Bad\"}} | options.header",
            "{\"name\":\"x\",\"provider\":\"gupshup\",\"credentials\":{\"token\":\"" + TOKEN + "\"},\"options\":{\"header\":\"Host\"}} | options.header",
            "{\"name\":\"x\",\"provider\":\"gupshup\",\"credentials\":{\"token\":\"" + TOKEN + "\"},\"options\":{\"allowed_ips\":[\"nonsense\"]}} | options.allowed_ips",
            "{\"name\":\"x\",\"provider\":\"gupshup\",\"credentials\":{\"token\":\"" + TOKEN + "\"},\"options\":{\"allowed_ips\":[\"10.0.0.0/33\"]}} | options.allowed_ips",
            "{\"name\":\"x\",\"provider\":\"gupshup\",\"credentials\":{\"token\":\"" + TOKEN + "\"},\"options\":{\"allowed_ips\":\"10.0.0.0/8\"}} | options.allowed_ips",
            "{\"name\":\"x\",\"provider\":\"gupshup\",\"credentials\":{\"token\":\"" + TOKEN + "\"},\"options\":{\"ips\":[]}} | options.ips"})
    void aMissingOrMalformedCredentialOrOptionIsA400NamingIt(String body, String field) {
        Api.Res r = api.post("/api/v1/inbound-sources", body);
        assertThat(r.status()).as(r.toString()).isEqualTo(400);
        assertThat(r.json().get("error").get("field").asString()).isEqualTo(field);
    }

    @Test
    void theOptionsAreShownWithTheirDefaultsAndTheTokenNever() {
        JsonNode s = api.get("/api/v1/inbound-sources/" + sourceId).json();
        assertThat(s.get("options").get("header").asString()).isEqualTo("X-Herald-Token");
        assertThat(s.get("options").get("allowed_ips")).isEmpty();
        assertThat(s.toString()).doesNotContain(TOKEN);
        assertThat(s.get("provider").asString()).isEqualTo("gupshup");
    }
}
