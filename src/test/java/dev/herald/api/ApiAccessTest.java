package dev.herald.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.support.Api;
import dev.herald.support.Receiver;
import dev.herald.support.TestHerald;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** API keys, roles, error format and tenant isolation against a real server. */
class ApiAccessTest {
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

    private static String webhookBody() {
        return "{\"url\":\"" + receiver.url("/hook") + "\",\"events\":[\"*\"]}";
    }

    @Test
    void requestsWithoutOrWithABadKeyAre401WithAJsonError() {
        Api anonymous = new Api(herald.port(), null);
        Api.Res r = anonymous.get("/api/v1/webhooks");
        assertThat(r.status()).isEqualTo(401);
        assertThat(r.json().at("/error/code").asString()).isEqualTo("unauthorized");
        assertThat(anonymous.as("hk_not-a-real-key-at-all").get("/api/v1/webhooks").status()).isEqualTo(401);
    }

    @Test
    void keysWorkAsBearerOrXApiKey() {
        Api admin = herald.newProject("keys");
        Api.Res created = admin.post("/api/v1/api-keys", "{\"name\":\"ci\",\"role\":\"VIEWER\"}");
        assertThat(created.status()).isEqualTo(201);
        String key = created.str("api_key");
        assertThat(key).startsWith("hk_");
        Api.Res viaHeader = new Api(herald.port(), null).send("GET", "/api/v1/webhooks", null, java.util.Map.of("X-Api-Key", key));
        assertThat(viaHeader.status()).isEqualTo(200);
        assertThat(admin.as(key).get("/api/v1/webhooks").status()).isEqualTo(200);
    }

    @Test
    void rolesLimitWhatAKeyCanDo() {
        Api admin = herald.newProject("roles");
        Api publisher = admin.as(admin.post("/api/v1/api-keys", "{\"name\":\"pub\",\"role\":\"PUBLISHER\"}").str("api_key"));
        Api viewer = admin.as(admin.post("/api/v1/api-keys", "{\"name\":\"view\",\"role\":\"VIEWER\"}").str("api_key"));

        assertThat(publisher.post("/api/v1/webhooks", webhookBody()).status()).isEqualTo(403);
        assertThat(viewer.post("/api/v1/webhooks", webhookBody()).status()).isEqualTo(403);
        assertThat(viewer.post("/api/v1/events", "{\"type\":\"a.b\",\"data\":{}}").status()).isEqualTo(403);
        assertThat(publisher.post("/api/v1/events", "{\"type\":\"a.b\",\"data\":{}}").status()).isEqualTo(202);
        assertThat(viewer.get("/api/v1/deliveries").status()).isEqualTo(200);
        assertThat(publisher.post("/api/v1/api-keys", "{\"name\":\"x\",\"role\":\"CLIENT_ADMIN\"}").status()).isEqualTo(403);
        Api.Res forbidden = viewer.post("/api/v1/dead-letters/replay", "{\"webhook_id\":\"01a206c7-d2c8-79cb-8be7-bf5698e8a73d\"}");
        assertThat(forbidden.status()).isEqualTo(403);
        assertThat(forbidden.json().at("/error/code").asString()).isEqualTo("forbidden");
    }

    @Test
    void invalidKeyRequestsNameTheField() {
        Api admin = herald.newProject("badkeys");
        Api.Res r = admin.post("/api/v1/api-keys", "{\"name\":\"x\",\"role\":\"ROOT\"}");
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.json().at("/error/field").asString()).isEqualTo("role");
        Api.Res unknown = admin.post("/api/v1/api-keys", "{\"name\":\"x\",\"role\":\"VIEWER\",\"admin\":true}");
        assertThat(unknown.status()).isEqualTo(400);
        assertThat(unknown.json().at("/error/field").asString()).isEqualTo("admin");
        Api.Res notJson = admin.post("/api/v1/api-keys", "{nope");
        assertThat(notJson.status()).isEqualTo(400);
        assertThat(notJson.json().at("/error/code").asString()).isEqualTo("invalid_request");
    }

    @Test
    void anotherProjectsResourcesAnswer404() {
        Api a = herald.newProject("tenant-a");
        Api b = herald.newProject("tenant-b");
        String webhookId = a.post("/api/v1/webhooks", webhookBody()).str("id");
        String eventId = a.post("/api/v1/events", "{\"type\":\"x.y\",\"data\":{}}").str("id");
        String deliveryId = a.get("/api/v1/deliveries?event_id=" + eventId).json().at("/data/0/id").asString();

        assertThat(b.get("/api/v1/webhooks/" + webhookId).status()).isEqualTo(404);
        assertThat(b.patch("/api/v1/webhooks/" + webhookId, "{\"enabled\":false}").status()).isEqualTo(404);
        assertThat(b.delete("/api/v1/webhooks/" + webhookId).status()).isEqualTo(404);
        assertThat(b.post("/api/v1/webhooks/" + webhookId + "/rotate-secret", "").status()).isEqualTo(404);
        assertThat(b.get("/api/v1/deliveries/" + deliveryId).status()).isEqualTo(404);
        assertThat(b.post("/api/v1/deliveries/" + deliveryId + "/retry", "").status()).isEqualTo(404);
        assertThat(b.get("/api/v1/webhooks").json().get("data").size()).isZero();
        assertThat(b.get("/api/v1/deliveries").json().get("data").size()).isZero();
        // b's events never reach a's webhook
        assertThat(b.post("/api/v1/events", "{\"type\":\"x.y\",\"data\":{}}").json().get("deliveries").asInt()).isZero();
        assertThat(a.get("/api/v1/webhooks/" + webhookId).status()).isEqualTo(200);
    }

    @Test
    void unknownRoutesAndMalformedIdsAreJson404s() {
        Api admin = herald.newProject("routes");
        Api.Res r = admin.get("/api/v1/nothing-here");
        assertThat(r.status()).isEqualTo(404);
        assertThat(r.json().at("/error/code").asString()).isEqualTo("not_found");
        assertThat(admin.get("/api/v1/webhooks/not-a-uuid").status()).isEqualTo(404);
        assertThat(admin.get("/api/v1/deliveries/'%20OR%201=1").status()).isEqualTo(404);
    }

    @Test
    void healthReadinessAndMetricsAreServed() {
        Api anonymous = new Api(herald.port(), null);
        assertThat(anonymous.get("/healthz").status()).isEqualTo(200);
        Api.Res ready = anonymous.get("/readyz");
        assertThat(ready.status()).isEqualTo(200);
        assertThat(ready.str("status")).isEqualTo("ready");
        Api.Res metrics = anonymous.get("/metrics");
        assertThat(metrics.status()).isEqualTo(200);
        assertThat(metrics.text()).contains("herald_queue_depth");
    }
}
