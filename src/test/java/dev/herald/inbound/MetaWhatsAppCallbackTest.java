package dev.herald.inbound;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.support.Api;
import dev.herald.support.TestHerald;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Meta's WhatsApp Cloud API webhooks: the GET verification handshake and X-Hub-Signature-256. Meta
 * publishes no SDK or vectors for Java; the signature is computed here with the JDK's HMAC, as Meta's
 * documentation describes it (hex HMAC-SHA256 of the raw body with the app secret), independently of
 * Herald's code.
 */
class MetaWhatsAppCallbackTest {
    static final String SECRET = "6f1c6d4a0b5e4d2f9a7c3e8b1d2f4a6c";
    /** A status update and an inbound message, in the shape of Meta's webhook examples. */
    static final String BODY = """
            {"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"field":"messages","value":{
             "messaging_product":"whatsapp","metadata":{"display_phone_number":"15550783881","phone_number_id":"106540352242922"},
             "statuses":[{"id":"wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBJDQjZCMzlEQUE4OTJBMTE4RTUA","status":"read","timestamp":"1750263773",
               "recipient_id":"16505551234"},
              {"id":"wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI4MkZBNEIzQzQzRkVFMjUxQTIA","status":"failed","timestamp":"1750263780",
               "recipient_id":"16505551235","errors":[{"code":131026,"title":"Message undeliverable","message":"Message undeliverable"}]}],
             "messages":[{"from":"16505551234","id":"wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=","timestamp":"1750263790",
               "type":"text","text":{"body":"Thanks!"}}]}}]}]}""";

    TestHerald herald;
    Api api;
    String sourceId;

    @BeforeEach
    void start() {
        herald = TestHerald.start(Map.of());
        api = herald.newProject("meta");
        sourceId = Callbacks.source(api, "{\"name\":\"whatsapp\",\"provider\":\"meta_whatsapp\",\"credentials\":{\"app_secret\":\"" + SECRET
                + "\",\"verify_token\":\"my-verify-token\"}}").get("id").asString();
    }

    @AfterEach
    void stop() {
        herald.close();
    }

    static String signature(String secret, String body) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        return "sha256=" + HexFormat.of().formatHex(mac.doFinal(body.getBytes(StandardCharsets.UTF_8)));
    }

    Callbacks.Answer post(String body, String signature) {
        return Callbacks.post(herald, sourceId, body.getBytes(StandardCharsets.UTF_8), "Content-Type", "application/json", "X-Hub-Signature-256", signature);
    }

    @Test
    void theVerificationHandshakeEchoesTheChallengeOnlyForTheRightToken() {
        Callbacks.Answer ok = Callbacks.get(herald, "/inbound/" + sourceId + "?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=my-verify-token");
        assertThat(ok.status()).isEqualTo(200);
        assertThat(ok.text()).isEqualTo("1158201444");
        Callbacks.Answer wrong = Callbacks.get(herald, "/inbound/" + sourceId + "?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=guess");
        assertThat(wrong.status()).isEqualTo(403);
        assertThat(Callbacks.get(herald, "/inbound/" + sourceId + "?hub.mode=unsubscribe&hub.challenge=1&hub.verify_token=my-verify-token").status())
                .isEqualTo(403);
        assertThat(Callbacks.requests(api, sourceId)).extracting(r -> r.get("outcome").asString()).containsExactly("rejected", "rejected", "handshake");
    }

    @Test
    void signedStatusesAndAnInboundMessageAreMappedAndARetryCreatesNothing() throws Exception {
        Callbacks.Answer a = post(BODY, signature(SECRET, BODY));
        assertThat(a.status()).as(a.text()).isEqualTo(200);
        assertThat(a.json().get("statuses").asInt()).isEqualTo(3);
        List<JsonNode> s = Callbacks.statuses(api, "");
        assertThat(s).extracting(n -> n.get("status").asString()).containsExactlyInAnyOrder("read", "failed", "received");
        JsonNode failed = Callbacks.statuses(api, "status=failed").get(0);
        assertThat(failed.get("channel").asString()).isEqualTo("whatsapp");
        assertThat(failed.get("recipient").asString()).isEqualTo("16505551235");
        assertThat(failed.get("reason").asString()).isEqualTo("131026: Message undeliverable");
        assertThat(failed.get("occurred_at").asString()).isEqualTo("2025-06-18T16:23:00Z");
        JsonNode received = Callbacks.statuses(api, "status=received").get(0);
        assertThat(received.get("provider_message_id").asString()).isEqualTo("wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=");
        assertThat(received.get("provider_status").asString()).isEqualTo("text");

        Callbacks.Answer again = post(BODY, signature(SECRET, BODY));
        assertThat(again.json().get("duplicates").asInt()).isEqualTo(3);
        assertThat(Callbacks.statuses(api, "")).hasSize(3);
    }

    @Test
    void aTamperedBodyOrTheWrongSecretOrNoSignatureIsRefused() throws Exception {
        String sig = signature(SECRET, BODY);
        assertThat(post(BODY.replace("\"read\"", "\"delivered\""), sig).status()).isEqualTo(401);
        assertThat(post(BODY, signature("another-secret", BODY)).status()).isEqualTo(401);
        assertThat(post(BODY, sig.replace("sha256=", "sha1=")).status()).isEqualTo(401);
        assertThat(Callbacks.post(herald, sourceId, BODY.getBytes(StandardCharsets.UTF_8)).status()).isEqualTo(401);
        assertThat(Callbacks.statuses(api, "")).isEmpty();
    }
}
