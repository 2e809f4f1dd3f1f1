package dev.herald.email;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.projects.Projects;
import dev.herald.support.Api;
import dev.herald.support.Await;
import dev.herald.support.Emails;
import dev.herald.support.MutableClock;
import dev.herald.support.SmtpSink;
import dev.herald.support.TestHerald;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/** Queued emails survive restarts: paused (kept) while NOTIFICATION_TRANSPORT=disabled, resumed when SMTP is back. */
class TransportSwitchTest {
    @TempDir
    Path data;

    static JsonNode delivery(Api api, String emailId) {
        return api.get("/api/v1/emails/" + emailId).json().get("deliveries").get(0);
    }

    @Test
    void queuedEmailsArePausedWhileEmailIsOffAndSentWhenItIsBackOn() {
        try (SmtpSink sink = new SmtpSink()) {
            sink.rejectRcpt("wait@example.com", 451);
            // The retry after the 451 is an hour away, so the first node cannot make it (and exhaust the schedule) however
            // long it takes to stop; the last node runs two hours ahead, so the retry is due there.
            Map<String, String> on = Emails.smtp(sink, "HERALD_DATA_DIR", data.toString(), "NOTIFICATION_SMTP_RETRY_SCHEDULE", "1h");
            String key;
            String id;
            try (TestHerald a = TestHerald.start(on)) {
                key = new Projects(a.herald().database(), Clock.systemUTC()).create("switch").adminKey().key();
                Api api = new Api(a.port(), key);
                id = Emails.send(api, "{\"to\":[\"wait@example.com\"],\"subject\":\"s\",\"text\":\"x\"}");
                Await.until("the first attempt of email " + id + " recorded", () -> delivery(api, id), d -> d.get("attempt_count").asInt() >= 1);
                assertThat(delivery(api, id).get("status").asString()).isEqualTo("pending");
            }
            try (TestHerald b = TestHerald.start(Map.of("HERALD_DATA_DIR", data.toString()))) {
                Api api = new Api(b.port(), key);
                JsonNode d = delivery(api, id);
                assertThat(d.get("status").asString()).isEqualTo("paused");
                assertThat(api.get("/api/v1/emails/" + id).json().get("status").asString()).isEqualTo("pending");
            }
            MutableClock later = new MutableClock();
            later.advance(Duration.ofHours(2));
            try (TestHerald c = TestHerald.start(on, later)) {
                Api api = new Api(c.port(), key);
                assertThat(Emails.awaitFinal(api, id, Await.PATIENCE).get("status").asString()).isEqualTo("sent");
                assertThat(sink.received()).hasSize(1);
            }
        }
    }
}
