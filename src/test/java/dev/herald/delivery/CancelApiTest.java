package dev.herald.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.support.Api;
import dev.herald.support.Receiver;
import dev.herald.support.Receiver.Reply;
import dev.herald.support.TestHerald;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * {@code POST /api/v1/deliveries/{id}/cancel} and {@code POST /api/v1/emails/{id}/cancel}: a bad message
 * is stopped without a restart. Waiting deliveries are cancelled at once; one in flight when its attempt
 * ends, unless that attempt succeeded.
 */
class CancelApiTest {
    static TestHerald herald;
    static Receiver receiver;

    @BeforeAll
    static void start() {
        // Email goes to a port where nothing listens, retried only after an hour: its deliveries wait, pending.
        herald = TestHerald.start(Map.of("NOTIFICATION_TRANSPORT", "smtp", "NOTIFICATION_SMTP_HOST", "127.0.0.1", "NOTIFICATION_SMTP_PORT", "9",
                "NOTIFICATION_SMTP_RETRY_SCHEDULE", "1h", "NOTIFICATION_SMTP_TIMEOUT", "2s"));
        receiver = new Receiver();
    }

    @AfterAll
    static void stop() {
        receiver.close();
        herald.close();
    }

    /** Posts an event to a new webhook at {@code path} (retried after an hour) and returns the id of its one delivery. */
    private static String deliveryTo(Api api, String path) {
        api.post("/api/v1/webhooks", "{\"url\":\"" + receiver.url(path) + "\",\"events\":[\"" + path.substring(1) + ".*\"],\"retry_schedule\":[\"1h\"]}");
        String event = api.post("/api/v1/events", "{\"type\":\"" + path.substring(1) + ".x\",\"data\":{}}").str("id");
        return api.get("/api/v1/deliveries?event_id=" + event).json().get("data").get(0).get("id").asString();
    }

    private static JsonNode await(Api api, String deliveryId, Predicate<JsonNode> until) {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        JsonNode d = api.get("/api/v1/deliveries/" + deliveryId).json();
        while (!until.test(d)) {
            if (System.nanoTime() > deadline) throw new AssertionError("delivery never got there: " + d);
            Receiver.sleep(20);
            d = api.get("/api/v1/deliveries/" + deliveryId).json();
        }
        return d;
    }

    @Test
    void aPendingDeliveryIsCancelledAtOnceAndCanBeRetriedLater() {
        Api api = herald.newProject("cancel-pending");
        receiver.on("/failing", Reply.status(500));
        String id = deliveryTo(api, "/failing");
        await(api, id, d -> d.get("attempt_count").asInt() == 1 && d.get("status").asString().equals("pending"));

        Api.Res r = api.post("/api/v1/deliveries/" + id + "/cancel", null);
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertThat(r.json().get("status").asString()).isEqualTo("cancelled");
        assertThat(r.json().get("next_attempt_at").isNull()).isTrue();
        assertThat(r.json().get("completed_at").isNull()).isFalse();

        Api.Res again = api.post("/api/v1/deliveries/" + id + "/cancel", null);
        assertThat(again.status()).isEqualTo(409);
        assertThat(again.json().at("/error/message").asString()).contains("cancelled");
        assertThat(api.post("/api/v1/deliveries/" + id + "/retry", null).status()).as("cancelled deliveries can be retried").isEqualTo(202);
        assertThat(api.get("/api/v1/deliveries/" + id).json().get("cancel_requested_at").isNull()).isTrue();
    }

    @Test
    void aDeliveryInFlightIsCancelledWhenItsFailedAttemptEnds() throws Exception {
        Api api = herald.newProject("cancel-in-flight");
        CountDownLatch answer = new CountDownLatch(1);
        receiver.on("/held", req -> {
            try {
                answer.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return Reply.status(503);
        });
        String id = deliveryTo(api, "/held");
        receiver.await("/held", 1, Duration.ofSeconds(20));

        Api.Res r = api.post("/api/v1/deliveries/" + id + "/cancel", null);
        assertThat(r.status()).as(r.toString()).isEqualTo(202);
        assertThat(r.json().get("status").asString()).isEqualTo("in_flight");
        assertThat(r.json().get("cancel_requested_at").isNull()).isFalse();
        answer.countDown();

        JsonNode done = await(api, id, d -> !d.get("status").asString().equals("in_flight"));
        assertThat(done.get("status").asString()).as("cancelled instead of retried in an hour").isEqualTo("cancelled");
        assertThat(done.get("attempt_count").asInt()).isEqualTo(1);
        assertThat(done.get("last_status_code").asInt()).isEqualTo(503);
        assertThat(done.get("next_attempt_at").isNull()).isTrue();
    }

    @Test
    void aDeliveryInFlightWhoseAttemptSucceedsStaysSucceeded() throws Exception {
        Api api = herald.newProject("cancel-too-late");
        CountDownLatch answer = new CountDownLatch(1);
        receiver.on("/late", req -> {
            try {
                answer.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return Reply.ok();
        });
        String id = deliveryTo(api, "/late");
        receiver.await("/late", 1, Duration.ofSeconds(20));
        assertThat(api.post("/api/v1/deliveries/" + id + "/cancel", null).status()).isEqualTo(202);
        answer.countDown();
        JsonNode done = await(api, id, d -> !d.get("status").asString().equals("in_flight"));
        assertThat(done.get("status").asString()).as("it was delivered: that is what happened").isEqualTo("succeeded");
        assertThat(api.post("/api/v1/deliveries/" + id + "/cancel", null).status()).isEqualTo(409);
    }

    @Test
    void cancellingNeedsClientAdminAndADeliveryOfTheProject() {
        Api api = herald.newProject("cancel-access");
        receiver.on("/fails", Reply.status(500));
        String id = deliveryTo(api, "/fails");
        Api viewer = api.as(api.post("/api/v1/api-keys", "{\"name\":\"v\",\"role\":\"VIEWER\"}").str("api_key"));
        assertThat(viewer.post("/api/v1/deliveries/" + id + "/cancel", null).status()).isEqualTo(403);
        assertThat(herald.newProject("cancel-other").post("/api/v1/deliveries/" + id + "/cancel", null).status()).isEqualTo(404);
        assertThat(api.post("/api/v1/deliveries/01a206c7-d2c8-79cb-8be7-bf5698e8a73d/cancel", null).status()).isEqualTo(404);
        assertThat(api.post("/api/v1/deliveries/nope/cancel", null).status()).isEqualTo(404);
        assertThat(api.post("/api/v1/emails/" + id + "/cancel", null).status()).as("a delivery id is not an email").isEqualTo(404);
    }

    @Test
    void cancellingAnEmailCancelsItsWaitingRecipients() {
        Api api = herald.newProject("cancel-email");
        Api.Res sent = api.post("/api/v1/emails", "{\"to\":[\"a@example.com\",\"b@example.com\"],\"subject\":\"Wrong\",\"text\":\"oops\"}");
        assertThat(sent.status()).as(sent.toString()).isEqualTo(202);
        String id = sent.str("id");
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        JsonNode email = api.get("/api/v1/emails/" + id).json();
        while (!allTriedOnce(email) && System.nanoTime() < deadline) {
            Receiver.sleep(20);
            email = api.get("/api/v1/emails/" + id).json();
        }
        assertThat(allTriedOnce(email)).as(email.toString()).isTrue();

        Api.Res r = api.post("/api/v1/emails/" + id + "/cancel", null);
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertThat(r.json().get("cancelled").asInt()).isEqualTo(2);
        assertThat(r.json().get("cancelling").asInt()).isZero();
        JsonNode after = api.get("/api/v1/emails/" + id).json();
        assertThat(after.get("status").asString()).isEqualTo("cancelled");
        after.get("deliveries").forEach(d -> assertThat(d.get("status").asString()).isEqualTo("cancelled"));

        JsonNode nothingLeft = api.post("/api/v1/emails/" + id + "/cancel", null).json();
        assertThat(nothingLeft.get("cancelled").asInt()).isZero();
        assertThat(api.post("/api/v1/emails/01a206c7-d2c8-79cb-8be7-bf5698e8a73d/cancel", null).status()).isEqualTo(404);
        assertThat(herald.newProject("cancel-email-other").post("/api/v1/emails/" + id + "/cancel", null).status()).isEqualTo(404);
    }

    private static boolean allTriedOnce(JsonNode email) {
        for (JsonNode d : email.get("deliveries")) {
            if (d.get("attempt_count").asInt() < 1 || !d.get("status").asString().equals("pending")) return false;
        }
        return email.get("deliveries").size() == 2;
    }
}
