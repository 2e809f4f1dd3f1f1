package dev.herald.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.support.Api;
import dev.herald.support.Receiver;
import dev.herald.support.TestHerald;
import java.util.Locale;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * UUIDs are case-insensitive (RFC 9562): every {@code {id}} route finds the same thing under an upper-case
 * id and answers with the canonical lower-case one.
 */
class UppercaseIdsTest {
    static TestHerald herald;
    static Receiver receiver;
    static Api admin;

    @BeforeAll
    static void start() {
        receiver = new Receiver().on("/hook", Receiver.Reply.ok());
        herald = TestHerald.start();
        admin = herald.newProject("uppercase-ids");
    }

    @AfterAll
    static void stop() {
        herald.close();
        receiver.close();
    }

    private static String up(String id) {
        return id.toUpperCase(Locale.ROOT);
    }

    @Test
    void everyIdRouteTakesAnUpperCaseUuidAndAnswersWithTheLowerCaseOne() {
        String hook = admin.post("/api/v1/webhooks", "{\"url\":\"" + receiver.url("/hook") + "\",\"events\":[\"order.*\"]}").str("id");
        String event = admin.post("/api/v1/events", "{\"type\":\"order.paid\",\"data\":{}}").str("id");

        Api.Res got = admin.get("/api/v1/events/" + up(event));
        assertThat(got.status()).isEqualTo(200);
        assertThat(got.str("id")).isEqualTo(event);

        Api.Res test = admin.post("/api/v1/webhooks/" + up(hook) + "/test", "");
        assertThat(test.status()).as(test.toString()).isEqualTo(202);
        String delivery = test.str("delivery_id");
        Api.Res cancel = admin.post("/api/v1/deliveries/" + up(delivery) + "/cancel", "");
        assertThat(cancel.status()).as(cancel.toString()).isIn(200, 202, 409);
        if (cancel.status() != 409) assertThat(cancel.str("id")).isEqualTo(delivery);

        String source = admin.post("/api/v1/inbound-sources", "{\"name\":\"statuses\",\"provider\":\"email_status\"}").str("id");
        Api.Res s = admin.get("/api/v1/inbound-sources/" + up(source));
        assertThat(s.status()).isEqualTo(200);
        assertThat(s.str("id")).isEqualTo(source);
        assertThat(admin.patch("/api/v1/inbound-sources/" + up(source), "{\"name\":\"renamed\"}").status()).isEqualTo(200);
        assertThat(admin.get("/api/v1/inbound-sources/" + up(source) + "/requests").status()).isEqualTo(200);
        assertThat(admin.delete("/api/v1/inbound-sources/" + up(source)).status()).isEqualTo(204);

        String key = admin.post("/api/v1/api-keys", "{\"name\":\"spare\",\"role\":\"VIEWER\"}").str("id");
        assertThat(admin.delete("/api/v1/api-keys/" + up(key)).status()).isEqualTo(204);
        assertThat(admin.get("/api/v1/api-keys").json().get("data").toString()).doesNotContain(key);
    }
}
