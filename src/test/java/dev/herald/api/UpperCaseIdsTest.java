package dev.herald.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.support.Api;
import dev.herald.support.TestHerald;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Ids are UUIDs, and a UUID's hex digits have no case: the upper-case form of an id finds the same resource. */
class UpperCaseIdsTest {
    static TestHerald herald;
    static Api api;

    @BeforeAll
    static void start() {
        // Email on, towards a port where nothing listens: the email is only queued.
        herald = TestHerald.start(Map.of("NOTIFICATION_TRANSPORT", "smtp", "NOTIFICATION_SMTP_HOST", "127.0.0.1", "NOTIFICATION_SMTP_PORT", "9",
                "NOTIFICATION_SMTP_RETRY_SCHEDULE", "", "NOTIFICATION_SMTP_TIMEOUT", "1s"));
        api = herald.newProject("ids");
    }

    @AfterAll
    static void stop() {
        herald.close();
    }

    private static String up(String id) {
        return id.toUpperCase(Locale.ROOT);
    }

    private static String ok(Api.Res r) {
        assertThat(r.status()).as(r.toString()).isBetween(200, 299);
        return r.json().get("id").asString();
    }

    @Test
    void theUpperCaseFormOfAnIdFindsTheSameResource() {
        String webhook = ok(api.post("/api/v1/webhooks", "{\"url\":\"https://hooks.example.com/ids\",\"events\":[\"*\"]}"));
        assertThat(ok(api.get("/api/v1/webhooks/" + up(webhook)))).isEqualTo(webhook);
        assertThat(ok(api.patch("/api/v1/webhooks/" + up(webhook), "{\"description\":\"upper\"}"))).isEqualTo(webhook);
        assertThat(ok(api.post("/api/v1/webhooks/" + up(webhook) + "/rotate-secret", ""))).isEqualTo(webhook);

        String event = ok(api.post("/api/v1/events", "{\"type\":\"a.b\",\"data\":{}}"));
        String delivery = api.get("/api/v1/deliveries?event_id=" + event).json().at("/data/0/id").asString();
        assertThat(ok(api.get("/api/v1/deliveries/" + up(delivery)))).isEqualTo(delivery);
        assertThat(api.get("/api/v1/deliveries?event_id=" + up(event)).json().at("/data/0/id").asString()).isEqualTo(delivery);
        assertThat(api.get("/api/v1/deliveries?webhook_id=" + up(webhook)).json().at("/data/0/id").asString()).isEqualTo(delivery);
        assertThat(api.get("/api/v1/dead-letters?webhook_id=" + up(webhook)).status()).isEqualTo(200);
        // Not dead, so nothing to replay: 404 "dead letter", as for the lower-case id (not 400 "must be a UUID").
        Api.Res replay = api.post("/api/v1/dead-letters/replay", "{\"delivery_id\":\"" + up(delivery) + "\"}");
        assertThat(replay.status()).as(replay.toString()).isEqualTo(404);
        assertThat(api.post("/api/v1/dead-letters/replay", "{\"webhook_id\":\"" + up(webhook) + "\"}").status()).isEqualTo(202);

        ok(api.post("/api/v1/events", "{\"type\":\"a.b\",\"data\":{}}"));
        String newest = api.get("/api/v1/deliveries?limit=1").json().at("/data/0/id").asString();
        String cursor = api.get("/api/v1/deliveries?limit=1").json().get("next_cursor").asString();
        assertThat(newest).isNotEqualTo(delivery);
        assertThat(api.get("/api/v1/deliveries?limit=1&cursor=" + up(cursor)).json().at("/data/0/id").asString())
                .isEqualTo(api.get("/api/v1/deliveries?limit=1&cursor=" + cursor).json().at("/data/0/id").asString());

        String email = ok(api.post("/api/v1/emails", "{\"to\":[\"a@example.com\"],\"subject\":\"s\",\"text\":\"t\"}"));
        assertThat(ok(api.get("/api/v1/emails/" + up(email)))).isEqualTo(email);
        assertThat(api.get("/api/v1/deliveries?email_id=" + up(email)).json().get("data").size()).isEqualTo(1);

        String connection = ok(api.post("/api/v1/connections", "{\"name\":\"support\",\"connection_details\":{\"email_webhook\":{"
                + "\"base_url\":\"https://mail.example.com\",\"basic_auth\":{\"username\":\"u\",\"password\":\"p\"}}}}"));
        // A draft names its connection by name or id; the id in upper case is the same connection.
        String draft = ok(api.post("/api/v1/customer-emails", "{\"connection\":\"" + up(connection) + "\",\"customer\":{\"id\":\"c1\",\"name\":\"Acme\"},"
                + "\"email\":{\"subject\":\"Hello\",\"body\":\"Body\"}}"));
        assertThat(ok(api.get("/api/v1/customer-emails/" + up(draft)))).isEqualTo(draft);
        assertThat(ok(api.post("/api/v1/customer-emails/" + up(draft) + "/reject", "{\"reason\":\"no\"}"))).isEqualTo(draft);

        assertThat(api.delete("/api/v1/webhooks/" + up(webhook)).status()).isEqualTo(204);
        assertThat(api.get("/api/v1/webhooks/" + webhook).status()).isEqualTo(404);
    }
}
