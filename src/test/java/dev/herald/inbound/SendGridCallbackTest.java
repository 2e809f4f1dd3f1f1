package dev.herald.inbound;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.support.Api;
import dev.herald.support.Receiver;
import dev.herald.support.TestHerald;
import dev.herald.util.Json;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * SendGrid's signed Event Webhook. The reference vector is the one SendGrid's own Java SDK tests its
 * verifier with (sendgrid-java, EventWebhookTest: key, payload, signature, timestamp); the end-to-end
 * bounce is signed the way SendGrid signs (ECDSA P-256, SHA-256 over timestamp + body) with a key made
 * in the test by the JDK.
 */
class SendGridCallbackTest {
    // sendgrid-java src/test/java/com/sendgrid/helpers/eventwebhook/EventWebhookTest.java
    static final String PUBLIC_KEY = "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE83T4O/n84iotIvIW4mdBgQ/7dAfSmpqIM8kF9mN1flpVKS3GRqe62gw+2fNNRaINXvVpiglSI8eNEc6wEA3F+g==";
    static final String OTHER_KEY = "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEqTxd43gyp8IOEto2LdIfjRQrIbsd4SXZkLW6jDutdhXSJCWHw8REntlo7aNDthvj+y7GjUuFDb/R1NGe1OPzpA==";
    static final String SIGNATURE = "MEUCIGHQVtGj+Y3LkG9fLcxf3qfI10QysgDWmMOVmxG0u6ZUAiEAyBiXDWzM+uOe5W0JuG+luQAbPIqHh89M15TluLtEZtM=";
    static final String TIMESTAMP = "1600112502";
    static final String PAYLOAD = "[{\"email\":\"hello@world.com\",\"event\":\"dropped\",\"reason\":\"Bounced Address\","
            + "\"sg_event_id\":\"ZHJvcC0xMDk5NDkxOS1MUnpYbF9OSFN0T0doUTRrb2ZTbV9BLTA\","
            + "\"sg_message_id\":\"LRzXl_NHStOGhQ4kofSm_A.filterdrecv-p3mdw1-756b745b58-kmzbl-18-5F5FC76C-9.0\","
            + "\"smtp-id\":\"<LRzXl_NHStOGhQ4kofSm_A@ismtpd0039p1iad1.sendgrid.net>\",\"timestamp\":1600112492}]\r\n";

    /** A Herald whose clock reads the vector's time (plus what the test adds). */
    static TestHerald heraldAt(long epochSeconds, Map<String, String> overrides) {
        Clock at = Clock.offset(Clock.systemUTC(), Duration.between(Instant.now(), Instant.ofEpochSecond(epochSeconds)));
        return TestHerald.start(overrides, at);
    }

    static Callbacks.Answer post(TestHerald h, String sourceId, String body, String signature, String timestamp) {
        return Callbacks.post(h, sourceId, body.getBytes(StandardCharsets.UTF_8), "Content-Type", "application/json",
                "X-Twilio-Email-Event-Webhook-Signature", signature, "X-Twilio-Email-Event-Webhook-Timestamp", timestamp);
    }

    @Test
    void sendGridsReferenceVectorIsVerifiedMappedAndARetryCreatesNothing() {
        try (TestHerald h = heraldAt(Long.parseLong(TIMESTAMP) + 3, Map.of())) {
            Api api = h.newProject("sendgrid");
            String id = Callbacks.source(api, "{\"name\":\"sg\",\"provider\":\"sendgrid\",\"credentials\":{\"verification_key\":\"" + PUBLIC_KEY + "\"}}")
                    .get("id").asString();
            Callbacks.Answer a = post(h, id, PAYLOAD, SIGNATURE, TIMESTAMP);
            assertThat(a.status()).as(a.text()).isEqualTo(200);
            assertThat(a.json().get("statuses").asInt()).isEqualTo(1);
            JsonNode s = Callbacks.statuses(api, "").get(0);
            assertThat(s.get("status").asString()).as("dropped maps to failed").isEqualTo("failed");
            assertThat(s.get("provider_status").asString()).isEqualTo("dropped");
            assertThat(s.get("reason").asString()).isEqualTo("Bounced Address");
            assertThat(s.get("recipient").asString()).isEqualTo("hello@world.com");
            assertThat(s.get("provider_event_id").asString()).isEqualTo("ZHJvcC0xMDk5NDkxOS1MUnpYbF9OSFN0T0doUTRrb2ZTbV9BLTA");
            assertThat(s.get("provider_message_id").asString()).isEqualTo("LRzXl_NHStOGhQ4kofSm_A.filterdrecv-p3mdw1-756b745b58-kmzbl-18-5F5FC76C-9.0");
            assertThat(s.get("occurred_at").asString()).isEqualTo("2020-09-14T19:41:32Z");

            Callbacks.Answer again = post(h, id, PAYLOAD, SIGNATURE, TIMESTAMP);
            assertThat(again.status()).isEqualTo(200);
            assertThat(again.json().get("duplicates").asInt()).isEqualTo(1);
            assertThat(Callbacks.statuses(api, "")).hasSize(1);
        }
    }

    @Test
    void theVectorFailsWithATamperedBodyTheWrongKeyABadSignatureOrAStaleTimestamp() {
        try (TestHerald h = heraldAt(Long.parseLong(TIMESTAMP) + 3, Map.of())) {
            Api api = h.newProject("sendgrid");
            String id = Callbacks.source(api, "{\"name\":\"sg\",\"provider\":\"sendgrid\",\"credentials\":{\"verification_key\":\"" + PUBLIC_KEY + "\"}}")
                    .get("id").asString();
            String other = Callbacks.source(api, "{\"name\":\"sg2\",\"provider\":\"sendgrid\",\"credentials\":{\"verification_key\":\"" + OTHER_KEY + "\"}}")
                    .get("id").asString();
            assertThat(post(h, id, PAYLOAD.replace("dropped", "delivered"), SIGNATURE, TIMESTAMP).status()).as("tampered").isEqualTo(401);
            assertThat(post(h, id, PAYLOAD, SIGNATURE, "1600112503").status()).as("another timestamp").isEqualTo(401);
            assertThat(post(h, other, PAYLOAD, SIGNATURE, TIMESTAMP).status()).as("wrong key").isEqualTo(401);
            assertThat(post(h, id, PAYLOAD, "MEUCIQCtIHJeH93Y+qpYeWrySphQgpNGNr/U+UyUlBkU6n7RAwIgJTz2C+8a8xonZGi6BpSzoQsbVRamr2nlxFDWYNH3j/0=", TIMESTAMP)
                    .status()).as("bad signature").isEqualTo(401);
            assertThat(post(h, id, PAYLOAD, "not base64!", TIMESTAMP).status()).isEqualTo(401);
            assertThat(Callbacks.statuses(api, "")).isEmpty();
        }
        try (TestHerald h = heraldAt(Long.parseLong(TIMESTAMP) + 301, Map.of())) {
            Api api = h.newProject("sendgrid");
            String id = Callbacks.source(api, "{\"name\":\"sg\",\"provider\":\"sendgrid\",\"credentials\":{\"verification_key\":\"" + PUBLIC_KEY + "\"}}")
                    .get("id").asString();
            Callbacks.Answer stale = post(h, id, PAYLOAD, SIGNATURE, TIMESTAMP);
            assertThat(stale.status()).as("5 minutes and 1 second later").isEqualTo(401);
            assertThat(Callbacks.requests(api, id).get(0).get("reason").asString()).isEqualTo("stale timestamp");
        }
    }

    @Test
    void aVerifiedBounceFansOutToASubscribedWebhookAsMessageBounced() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair keys = g.generateKeyPair();
        String verificationKey = Base64.getEncoder().encodeToString(keys.getPublic().getEncoded());
        try (TestHerald h = TestHerald.start(Map.of("SECURITY_OUTBOUND_ALLOW_HTTP", "true", "SECURITY_OUTBOUND_ALLOW_PRIVATE_NETWORKS", "true"));
             Receiver receiver = new Receiver()) {
            receiver.on("/hook", Receiver.Reply.ok());
            Api api = h.newProject("sendgrid-e2e");
            assertThat(api.post("/api/v1/webhooks", "{\"url\":\"" + receiver.url("/hook") + "\",\"events\":[\"message.bounced\"]}").status()).isEqualTo(201);
            String id = Callbacks.source(api, "{\"name\":\"sg\",\"provider\":\"sendgrid\",\"credentials\":{\"verification_key\":\"" + verificationKey + "\"}}")
                    .get("id").asString();
            long now = Instant.now().getEpochSecond();
            String body = "[{\"email\":\"gone@example.com\",\"timestamp\":" + now + ",\"event\":\"bounce\",\"type\":\"bounce\","
                    + "\"reason\":\"550 5.1.1 The email account that you tried to reach does not exist\",\"status\":\"5.1.1\","
                    + "\"sg_event_id\":\"ev-bounce-1\",\"sg_message_id\":\"msg-1.filter\",\"smtp-id\":\"<m1@example.com>\"},"
                    + "{\"email\":\"ok@example.com\",\"timestamp\":" + now + ",\"event\":\"delivered\",\"sg_event_id\":\"ev-del-1\",\"sg_message_id\":\"msg-2\"}]";
            Signature s = Signature.getInstance("SHA256withECDSA");
            s.initSign(keys.getPrivate());
            s.update((now + body).getBytes(StandardCharsets.UTF_8));
            String signature = Base64.getEncoder().encodeToString(s.sign());
            Callbacks.Answer a = post(h, id, body, signature, Long.toString(now));
            assertThat(a.status()).as(a.text()).isEqualTo(200);

            List<Receiver.Request> got = receiver.await("/hook", 1, Duration.ofSeconds(60));
            JsonNode event = Json.parse(got.get(0).body());
            assertThat(event.get("type").asString()).isEqualTo("message.bounced");
            assertThat(got.get(0).header("X-Webhook-Event")).isEqualTo("message.bounced");
            JsonNode data = event.get("data");
            assertThat(data.get("provider").asString()).isEqualTo("sendgrid");
            assertThat(data.get("recipient").asString()).isEqualTo("gone@example.com");
            assertThat(data.get("bounce_type").asString()).isEqualTo("bounce");
            assertThat(data.get("reason").asString()).startsWith("550 5.1.1");
            assertThat(data.get("provider_message_id").asString()).isEqualTo("msg-1.filter");
            // The delivered status became an event too, but only message.bounced is subscribed: the receiver saw one.
            dev.herald.support.Deliveries.awaitSettled(api);
            assertThat(receiver.requests("/hook")).hasSize(1);
            assertThat(Callbacks.statuses(api, "")).extracting(n -> n.get("status").asString()).containsExactlyInAnyOrder("bounced", "delivered");
        }
    }
}
