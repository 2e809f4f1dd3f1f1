package dev.herald.webhooks;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.support.Api;
import dev.herald.support.Receiver;
import dev.herald.support.TestHerald;
import dev.herald.util.Json;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** {@code POST /api/v1/webhooks/{id}/test}: one webhook.test event, one delivery, to that webhook only, whatever it subscribes to. */
class WebhookTestEventTest {
    static TestHerald herald;
    static Receiver receiver;

    @BeforeAll
    static void start() {
        herald = TestHerald.start();
        receiver = new Receiver();
    }

    @AfterAll
    static void stop() {
        receiver.close();
        herald.close();
    }

    @Test
    void aTestEventGoesToThatWebhookOnlyWhateverItsFilter() {
        Api api = herald.newProject("test-event");
        String tested = api.post("/api/v1/webhooks", "{\"url\":\"" + receiver.url("/tested") + "\",\"events\":[\"ticket.*\"]}").str("id");
        String other = api.post("/api/v1/webhooks", "{\"url\":\"" + receiver.url("/other") + "\",\"events\":[\"*\"]}").str("id");

        Api.Res r = api.post("/api/v1/webhooks/" + tested + "/test", null);
        assertThat(r.status()).as(r.toString()).isEqualTo(202);
        String eventId = r.str("event_id");
        String deliveryId = r.str("delivery_id");

        Receiver.Request got = receiver.await("/tested", 1, Duration.ofSeconds(20)).get(0);
        assertThat(got.header("X-Webhook-Event")).isEqualTo("webhook.test");
        assertThat(got.header("X-Webhook-Delivery")).isEqualTo(deliveryId);
        JsonNode body = Json.parse(got.bodyText());
        assertThat(body.get("id").asString()).isEqualTo(eventId);
        assertThat(body.get("type").asString()).isEqualTo("webhook.test");
        assertThat(body.at("/data/webhook_id").asString()).isEqualTo(tested);

        JsonNode deliveries = api.get("/api/v1/deliveries?event_id=" + eventId).json().get("data");
        assertThat(deliveries).as("one delivery, though the other webhook subscribes to everything").hasSize(1);
        assertThat(deliveries.get(0).get("id").asString()).isEqualTo(deliveryId);
        assertThat(deliveries.get(0).get("webhook_id").asString()).isEqualTo(tested).isNotEqualTo(other);
        assertThat(api.get("/api/v1/events/" + eventId).json().get("type").asString()).isEqualTo("webhook.test");
    }

    @Test
    void aDisabledUnknownOrForeignWebhookIsNotTested() {
        Api api = herald.newProject("test-refused");
        String hook = api.post("/api/v1/webhooks", "{\"url\":\"" + receiver.url("/off") + "\",\"events\":[\"*\"],\"enabled\":false}").str("id");
        Api.Res disabled = api.post("/api/v1/webhooks/" + hook + "/test", null);
        assertThat(disabled.status()).isEqualTo(409);
        assertThat(disabled.json().at("/error/message").asString()).contains("disabled");
        assertThat(api.post("/api/v1/webhooks/01a206c7-d2c8-79cb-8be7-bf5698e8a73d/test", null).status()).isEqualTo(404);
        assertThat(api.post("/api/v1/webhooks/x/test", null).status()).isEqualTo(404);
        assertThat(herald.newProject("test-foreign").post("/api/v1/webhooks/" + hook + "/test", null).status()).isEqualTo(404);
        Api viewer = api.as(api.post("/api/v1/api-keys", "{\"name\":\"v\",\"role\":\"VIEWER\"}").str("api_key"));
        assertThat(viewer.post("/api/v1/webhooks/" + hook + "/test", null).status()).isEqualTo(403);
        Api.Res unknownField = api.post("/api/v1/webhooks/" + hook + "/test", "{\"type\":\"x\"}");
        assertThat(unknownField.status()).isEqualTo(400);
        assertThat(unknownField.json().at("/error/field").asString()).isEqualTo("type");
        assertThat(api.get("/api/v1/events").json().get("data")).as("nothing was queued").isEmpty();
    }
}
