package dev.herald.webhooks;

import static dev.herald.webhooks.DeliveryTest.awaitDelivery;
import static dev.herald.webhooks.DeliveryTest.onlyDelivery;
import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.support.Api;
import dev.herald.support.Await;
import dev.herald.support.Deliveries;
import dev.herald.support.Gate;
import dev.herald.support.Receiver.Reply;
import dev.herald.support.Receiver;
import dev.herald.support.TestHerald;
import dev.herald.util.Json;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** Auto-disable after a failure streak or a 410, resuming kept work, and per-webhook isolation. */
class DisableAndIsolationTest {
    static final Duration WAIT = Await.PATIENCE;
    static TestHerald herald;
    static Receiver receiver;

    @BeforeAll
    static void start() {
        // One attempt in flight per webhook, so the order of work is observable; disable after 3 dead letters.
        herald = TestHerald.start(Map.of("HERALD_WEBHOOK_DISABLE_AFTER_FAILURES", "3", "HERALD_DELIVERY_PER_WEBHOOK_CONCURRENCY", "1"));
        receiver = new Receiver();
    }

    @AfterAll
    static void stop() {
        receiver.close();
        herald.close();
    }

    static String subscribe(Api api, String path, String extra) {
        Api.Res r = api.post("/api/v1/webhooks", "{\"url\":\"" + receiver.url(path) + "\"," + extra + "}");
        assertThat(r.status()).as(r.toString()).isEqualTo(201);
        return r.str("id");
    }

    @Test
    void aWebhookIsDisabledAfterConsecutiveDeadLettersAndResumesItsKeptWorkWhenReEnabled() {
        Api api = herald.newProject("disable");
        AtomicInteger status = new AtomicInteger(500);
        // The first request is held until all six events are accepted, so the webhook cannot be disabled while
        // they are still being published (which would leave later events without a delivery).
        Gate queued = new Gate();
        receiver.on("/failing", r -> {
            queued.pass();
            return Reply.status(status.get());
        });
        String id = subscribe(api, "/failing", "\"events\":[\"order.*\"],\"retry_schedule\":[]");
        subscribe(api, "/admin-feed", "\"events\":[\"webhook.disabled\"]");

        List<String> deliveries = new ArrayList<>();
        try {
            for (int i = 0; i < 6; i++) deliveries.add(onlyDelivery(api, DeliveryTest.publishTo(api, "order.created", "{\"i\":" + i + "}")));
        } finally {
            queued.open();
        }

        // The admin feed hears about it through the internal webhook.disabled event.
        Receiver.Request notice = receiver.await("/admin-feed", 1, WAIT).get(0);
        JsonNode event = Json.parse(notice.body());
        assertThat(event.get("type").asString()).isEqualTo("webhook.disabled");
        assertThat(event.at("/data/webhook_id").asString()).isEqualTo(id);
        assertThat(event.at("/data/reason").asString()).contains("3 consecutive");

        JsonNode w = api.get("/api/v1/webhooks/" + id).json();
        assertThat(w.get("enabled").asBoolean()).isFalse();
        assertThat(w.get("disabled_reason").asString()).contains("3 consecutive deliveries failed");
        // Nothing of the project is waiting or in flight any more (three dead, three paused, the notice delivered):
        // no further request to the disabled webhook can come.
        assertThat(Deliveries.awaitSettled(api)).hasSize(7);
        assertThat(receiver.requests("/failing")).hasSize(3);
        // The rest are kept, paused, not dropped.
        for (String d : deliveries.subList(3, 6)) assertThat(api.get("/api/v1/deliveries/" + d).json().get("status").asString()).isEqualTo("paused");
        // New events no longer go to it.
        assertThat(api.post("/api/v1/events", "{\"type\":\"order.created\",\"data\":{}}").json().get("deliveries").asInt()).isZero();

        status.set(200);
        JsonNode enabled = api.patch("/api/v1/webhooks/" + id, "{\"enabled\":true}").json();
        assertThat(enabled.get("enabled").asBoolean()).isTrue();
        assertThat(enabled.get("disabled_reason").isNull()).isTrue();
        assertThat(enabled.get("consecutive_failures").asInt()).isZero();
        for (String d : deliveries.subList(3, 6)) awaitDelivery(api, d, "succeeded", WAIT);
        assertThat(new Api(herald.port(), null).get("/metrics").text()).contains("herald_webhooks_disabled_total");
    }

    @Test
    void aSuccessResetsTheFailureStreak() {
        Api api = herald.newProject("streak");
        AtomicInteger n = new AtomicInteger();
        // fail, fail, ok, fail, fail: never 3 in a row
        receiver.on("/streak", r -> n.incrementAndGet() == 3 ? Reply.ok() : Reply.status(500));
        String id = subscribe(api, "/streak", "\"events\":[\"*\"],\"retry_schedule\":[]");
        for (int i = 0; i < 5; i++) DeliveryTest.publishTo(api, "x.y", "{}");
        receiver.await("/streak", 5, WAIT);
        // All five outcomes recorded: the streak counter is final.
        assertThat(Deliveries.awaitSettled(api)).hasSize(5);
        JsonNode w = api.get("/api/v1/webhooks/" + id).json();
        assertThat(w.get("enabled").asBoolean()).isTrue();
        assertThat(w.get("consecutive_failures").asInt()).isEqualTo(2);
    }

    @Test
    void a410GoneDisablesAtOnce() {
        Api api = herald.newProject("gone");
        receiver.on("/gone", Reply.status(410));
        String id = subscribe(api, "/gone", "\"events\":[\"*\"],\"retry_schedule\":[\"1s\",\"1s\"]");
        String d = onlyDelivery(api, DeliveryTest.publishTo(api, "x.y", "{}"));
        JsonNode dead = awaitDelivery(api, d, "dead", WAIT);
        assertThat(dead.get("attempt_count").asInt()).isEqualTo(1);
        assertThat(dead.get("dead_reason").asString()).contains("410");
        JsonNode w = api.get("/api/v1/webhooks/" + id).json();
        assertThat(w.get("enabled").asBoolean()).isFalse();
        assertThat(w.get("disabled_reason").asString()).contains("410");
    }

    @Test
    void aSlowEndpointDoesNotDelayTheOthers() {
        Api api = herald.newProject("isolation");
        // The slow endpoint does not answer at all until the fast one has everything: if the fast deliveries
        // were queued behind the slow ones, they could not arrive.
        Gate slow = new Gate();
        receiver.on("/iso-slow", r -> {
            slow.pass();
            return Reply.ok();
        });
        try {
            subscribe(api, "/iso-slow", "\"events\":[\"*\"],\"timeout_seconds\":60");
            subscribe(api, "/iso-fast", "\"events\":[\"*\"]");
            for (int i = 0; i < 10; i++) DeliveryTest.publishTo(api, "x.y", "{\"i\":" + i + "}");
            receiver.await("/iso-fast", 10, WAIT);
            slow.awaitWaiting(1);
            // One at a time to each webhook: the other nine slow deliveries wait behind the one held.
            assertThat(receiver.requests("/iso-slow")).hasSize(1);
        } finally {
            slow.open();
        }
        receiver.await("/iso-slow", 10, WAIT);
    }
}
