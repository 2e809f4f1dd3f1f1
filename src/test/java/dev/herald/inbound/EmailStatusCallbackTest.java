package dev.herald.inbound;

import static org.assertj.core.api.Assertions.assertThat;

import com.standardwebhooks.Webhook;
import dev.herald.support.Api;
import dev.herald.support.Receiver;
import dev.herald.support.TestHerald;
import dev.herald.util.Json;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Herald's own email delivery-status endpoint, signed with the Standard Webhooks reference library
 * (com.standardwebhooks, the same code senders use): valid, tampered body, wrong key, stale timestamp,
 * a provider's retry (no second event), the mapping, and the statuses reaching a subscribed webhook.
 */
class EmailStatusCallbackTest {
    static final String BODY = """
            {"events":[{"id":"evt_1","message_id":"<a1@mail.example>","recipient":"jane@example.com","status":"bounced",
             "reason":"550 5.1.1 user unknown","bounce_type":"hard","occurred_at":"2026-11-28T10:00:00Z"},
             {"id":"evt_2","message_id":"<a2@mail.example>","recipient":"joe@example.com","status":"delivered"}]}""";

    TestHerald herald;
    Api api;
    Receiver receiver;
    String sourceId;
    String secret;

    @BeforeEach
    void start() {
        herald = TestHerald.start(Map.of("SECURITY_OUTBOUND_ALLOW_HTTP", "true", "SECURITY_OUTBOUND_ALLOW_PRIVATE_NETWORKS", "true"));
        api = herald.newProject("inbound-email-status");
        receiver = new Receiver();
        JsonNode s = Callbacks.source(api, "{\"name\":\"my mail provider\",\"provider\":\"email_status\"}");
        sourceId = s.get("id").asString();
        secret = s.get("credentials").get("secret").asString();
        assertThat(secret).startsWith("whsec_");
        assertThat(s.get("callback_url").asString()).endsWith("/inbound/" + sourceId);
    }

    @AfterEach
    void stop() {
        receiver.close();
        herald.close();
    }

    Callbacks.Answer send(String body, String key, long timestamp, String id) throws Exception {
        String signature = new Webhook(key).sign(id, timestamp, body);
        return Callbacks.post(herald, sourceId, body.getBytes(StandardCharsets.UTF_8), "Content-Type", "application/json",
                "webhook-id", id, "webhook-timestamp", Long.toString(timestamp), "webhook-signature", signature);
    }

    @Test
    void aSignedCallbackBecomesOneEventPerStatusAndReachesASubscribedWebhook() throws Exception {
        receiver.on("/hook", Receiver.Reply.ok());
        assertThat(api.post("/api/v1/webhooks", "{\"url\":\"" + receiver.url("/hook") + "\",\"events\":[\"message.*\"]}").status()).isEqualTo(201);

        Callbacks.Answer a = send(BODY, secret, Instant.now().getEpochSecond(), "msg_1");
        assertThat(a.status()).as(a.text()).isEqualTo(200);
        assertThat(a.json().get("statuses").asInt()).isEqualTo(2);

        List<Receiver.Request> got = receiver.await("/hook", 2, Duration.ofSeconds(60));
        JsonNode bounced = got.stream().map(r -> Json.parse(r.body())).filter(e -> e.get("type").asString().equals("message.bounced")).findFirst().orElseThrow();
        JsonNode data = bounced.get("data");
        assertThat(data.get("provider").asString()).isEqualTo("email_status");
        assertThat(data.get("source_id").asString()).isEqualTo(sourceId);
        assertThat(data.get("channel").asString()).isEqualTo("email");
        assertThat(data.get("status").asString()).isEqualTo("bounced");
        assertThat(data.get("provider_status").asString()).isEqualTo("bounced");
        assertThat(data.get("provider_message_id").asString()).isEqualTo("<a1@mail.example>");
        assertThat(data.get("provider_event_id").asString()).isEqualTo("evt_1");
        assertThat(data.get("recipient").asString()).isEqualTo("jane@example.com");
        assertThat(data.get("reason").asString()).isEqualTo("550 5.1.1 user unknown");
        assertThat(data.get("bounce_type").asString()).isEqualTo("hard");
        assertThat(data.get("occurred_at").asString()).isEqualTo("2026-11-28T10:00:00Z");
        assertThat(data.get("email_id").isNull()).isTrue();
        assertThat(got.stream().map(r -> Json.parse(r.body()).get("type").asString())).containsExactlyInAnyOrder("message.bounced", "message.delivered");

        List<JsonNode> statuses = Callbacks.statuses(api, "status=bounced");
        assertThat(statuses).hasSize(1);
        assertThat(statuses.get(0).get("event_id").asString()).isEqualTo(bounced.get("id").asString());
        assertThat(Callbacks.statuses(api, "provider_message_id=%3Ca2%40mail.example%3E")).extracting(n -> n.get("status").asString())
                .containsExactly("delivered");
    }

    @Test
    void statusesAreListedInTheOrderTheyHappenedWhateverOrderTheyArrivedIn() throws Exception {
        long t = Instant.now().getEpochSecond();
        String late = "{\"events\":[{\"id\":\"c\",\"message_id\":\"<m@x>\",\"status\":\"clicked\",\"occurred_at\":\"2026-11-28T10:03:00Z\"},"
                + "{\"id\":\"o\",\"message_id\":\"<m@x>\",\"status\":\"opened\",\"occurred_at\":\"2026-11-28T10:02:00Z\"}]}";
        String early = "{\"events\":[{\"id\":\"d\",\"message_id\":\"<m@x>\",\"status\":\"delivered\",\"occurred_at\":\"2026-11-28T10:01:00Z\"},"
                + "{\"id\":\"s\",\"message_id\":\"<m@x>\",\"status\":\"sent\",\"occurred_at\":\"2026-11-28T10:00:00Z\"}]}";
        assertThat(send(late, secret, t, "a").status()).isEqualTo(200);
        assertThat(send(early, secret, t, "b").status()).isEqualTo(200);
        List<String> seen = new java.util.ArrayList<>();
        String cursor = null;
        do {
            dev.herald.support.Api.Res page = api.get("/api/v1/message-statuses?limit=1" + (cursor == null ? "" : "&cursor=" + cursor));
            assertThat(page.status()).as(page.toString()).isEqualTo(200);
            page.json().get("data").forEach(n -> seen.add(n.get("status").asString()));
            cursor = page.json().get("next_cursor").isNull() ? null : page.json().get("next_cursor").asString();
        } while (cursor != null);
        assertThat(seen).containsExactly("clicked", "opened", "delivered", "sent");
        assertThat(api.get("/api/v1/message-statuses?cursor=nonsense").status()).isEqualTo(400);
    }

    @Test
    void aProvidersRetryOfTheSameCallbackCreatesNoSecondEvent() throws Exception {
        long t = Instant.now().getEpochSecond();
        assertThat(send(BODY, secret, t, "msg_1").status()).isEqualTo(200);
        Callbacks.Answer again = send(BODY, secret, t, "msg_1");
        assertThat(again.status()).isEqualTo(200);
        assertThat(again.json().get("statuses").asInt()).isZero();
        assertThat(again.json().get("duplicates").asInt()).isEqualTo(2);
        assertThat(Callbacks.statuses(api, "")).hasSize(2);
        assertThat(api.get("/api/v1/deliveries").json().get("data")).isEmpty(); // no webhook: events, no deliveries
        List<JsonNode> requests = Callbacks.requests(api, sourceId);
        assertThat(requests).hasSize(2);
        assertThat(requests.get(0).get("duplicates").asInt()).isEqualTo(2);
        assertThat(requests.get(0).get("body").asString()).isEqualTo(BODY);
    }

    @Test
    void aTamperedBodyAWrongKeyAStaleTimestampOrAMissingHeaderIsRefusedAndChangesNothing() throws Exception {
        long now = Instant.now().getEpochSecond();
        String signature = new Webhook(secret).sign("msg_1", now, BODY);
        Callbacks.Answer tampered = Callbacks.post(herald, sourceId, BODY.replace("hard", "soft").getBytes(StandardCharsets.UTF_8),
                "webhook-id", "msg_1", "webhook-timestamp", Long.toString(now), "webhook-signature", signature);
        assertThat(tampered.status()).isEqualTo(401);
        assertThat(tampered.json().get("error").get("code").asString()).isEqualTo("signature_invalid");

        String otherKey = dev.herald.signing.WebhookSecret.generate().value();
        assertThat(send(BODY, otherKey, now, "msg_1").status()).isEqualTo(401);
        assertThat(send(BODY, secret, now - Duration.ofMinutes(6).toSeconds(), "msg_1").status()).as("stale (tolerance 5m)").isEqualTo(401);
        assertThat(send(BODY, secret, now + Duration.ofMinutes(6).toSeconds(), "msg_1").status()).as("from the future").isEqualTo(401);
        assertThat(Callbacks.post(herald, sourceId, BODY.getBytes(StandardCharsets.UTF_8), "webhook-id", "msg_1",
                "webhook-timestamp", Long.toString(now)).status()).as("no signature").isEqualTo(401);
        assertThat(Callbacks.post(herald, sourceId, BODY.getBytes(StandardCharsets.UTF_8), "webhook-id", "msg_1", "webhook-timestamp", Long.toString(now),
                "webhook-signature", signature, "webhook-signature", signature).status()).as("signature header twice").isEqualTo(401);

        assertThat(Callbacks.statuses(api, "")).isEmpty();
        List<JsonNode> requests = Callbacks.requests(api, sourceId);
        assertThat(requests).hasSize(6).allSatisfy(r -> {
            assertThat(r.get("outcome").asString()).isEqualTo("rejected");
            assertThat(r.get("verified").asBoolean()).isFalse();
            assertThat(r.get("body").isNull()).as("a rejected body is not kept").isTrue();
            assertThat(r.get("remote_address").asString()).isNotBlank();
        });
        assertThat(requests).extracting(r -> r.get("reason").asString())
                .contains("signature mismatch", "stale timestamp", "missing webhook-signature header", "webhook-signature header given more than once");
    }

    @Test
    void aVerifiedPayloadHeraldCannotReadIsA400NamingTheBodyAndAnUnknownSourceA404() throws Exception {
        long now = Instant.now().getEpochSecond();
        Callbacks.Answer bad = send("{\"events\":[{\"id\":\"x\",\"status\":\"teleported\"}]}", secret, now, "m");
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.json().get("error").get("field").asString()).isEqualTo("body");
        assertThat(send("not json", secret, now, "m2").status()).isEqualTo(400);
        assertThat(Callbacks.post(herald, "0195f3c4-0000-7000-8000-000000000000", "{}".getBytes(StandardCharsets.UTF_8)).status()).isEqualTo(404);
        assertThat(Callbacks.post(herald, "not-a-uuid", "{}".getBytes(StandardCharsets.UTF_8)).status()).isEqualTo(404);
        assertThat(Callbacks.statuses(api, "")).isEmpty();
    }
}
