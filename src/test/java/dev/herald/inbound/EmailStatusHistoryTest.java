package dev.herald.inbound;

import static org.assertj.core.api.Assertions.assertThat;

import com.standardwebhooks.Webhook;
import dev.herald.support.Api;
import dev.herald.support.Emails;
import dev.herald.support.Receiver;
import dev.herald.support.SmtpSink;
import dev.herald.support.TestHerald;
import dev.herald.util.Json;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * A status about an email Herald sent names it: {@code email_id} in the event and the status, and
 * {@code GET /api/v1/emails/{id}} lists its history in the order things happened, whatever the order
 * the reports arrived in.
 */
class EmailStatusHistoryTest {
    @Test
    void statusesOfAnEmailHeraldSentNameItAndShowInItsHistoryInTheOrderTheyHappened() throws Exception {
        Map<String, String> settings = new HashMap<>();
        try (SmtpSink sink = new SmtpSink(); Receiver receiver = new Receiver()) {
            settings.putAll(Emails.smtp(sink));
            settings.put("SECURITY_OUTBOUND_ALLOW_HTTP", "true");
            settings.put("SECURITY_OUTBOUND_ALLOW_PRIVATE_NETWORKS", "true");
            try (TestHerald herald = TestHerald.start(settings)) {
                receiver.on("/hook", Receiver.Reply.ok());
                Api api = herald.newProject("history");
                assertThat(api.post("/api/v1/webhooks", "{\"url\":\"" + receiver.url("/hook") + "\",\"events\":[\"message.*\"]}").status()).isEqualTo(201);
                String emailId = Emails.send(api, "{\"to\":[\"jane@example.com\"],\"subject\":\"hello\",\"text\":\"hi\"}");
                JsonNode email = Emails.awaitFinal(api, emailId, Duration.ofSeconds(60));
                String messageId = email.get("message_id").asString();

                JsonNode source = Callbacks.source(api, "{\"name\":\"relay\",\"provider\":\"email_status\"}");
                String secret = source.get("credentials").get("secret").asString();
                // The later event arrives first; the Message-ID comes without its angle brackets, as some providers send it.
                String body = "{\"events\":[{\"id\":\"e2\",\"message_id\":\"" + messageId.substring(1, messageId.length() - 1)
                        + "\",\"recipient\":\"jane@example.com\",\"status\":\"opened\",\"occurred_at\":\"2026-11-28T10:05:00Z\"},"
                        + "{\"id\":\"e1\",\"message_id\":\"" + messageId + "\",\"recipient\":\"jane@example.com\",\"status\":\"delivered\","
                        + "\"occurred_at\":\"2026-11-28T10:00:00Z\"},"
                        + "{\"id\":\"e3\",\"message_id\":\"<someone-else@example.com>\",\"recipient\":\"x@example.com\",\"status\":\"bounced\"}]}";
                long t = Instant.now().getEpochSecond();
                Callbacks.Answer a = Callbacks.post(herald, source.get("id").asString(), body.getBytes(StandardCharsets.UTF_8),
                        "webhook-id", "m1", "webhook-timestamp", Long.toString(t), "webhook-signature", new Webhook(secret).sign("m1", t, body));
                assertThat(a.status()).as(a.text()).isEqualTo(200);

                JsonNode history = api.get("/api/v1/emails/" + emailId).json().get("statuses");
                assertThat(history).hasSize(2);
                assertThat(history.get(0).get("status").asString()).isEqualTo("delivered");
                assertThat(history.get(1).get("status").asString()).isEqualTo("opened");
                history.forEach(s -> assertThat(s.get("email_id").asString()).isEqualTo(emailId));

                receiver.await("/hook", 3, Duration.ofSeconds(60));
                Map<String, JsonNode> byStatus = new HashMap<>();
                receiver.requests("/hook").forEach(r -> {
                    JsonNode e = Json.parse(r.body());
                    byStatus.put(e.get("data").get("status").asString(), e.get("data"));
                });
                assertThat(byStatus.get("delivered").get("email_id").asString()).isEqualTo(emailId);
                assertThat(byStatus.get("opened").get("email_id").asString()).isEqualTo(emailId);
                assertThat(byStatus.get("bounced").get("email_id").isNull()).as("not an email Herald sent").isTrue();
            }
        }
    }
}
