package dev.herald.webhooks;

import static dev.herald.webhooks.DeliveryTest.awaitDelivery;
import static dev.herald.webhooks.DeliveryTest.onlyDelivery;
import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.support.Api;
import dev.herald.support.Await;
import dev.herald.support.Gate;
import dev.herald.support.Receiver;
import dev.herald.support.Receiver.Reply;
import dev.herald.support.TestHerald;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Re-enabling a webhook wakes the dispatchers for the deliveries it resumes: with the poll a minute apart
 * (the longest allowed), they still go out at once. Without the wake-up they would wait for the poll, which
 * lands inside the test's 20 s only one time in three: the test passes by luck only when it should fail.
 */
class ReEnableTest {
    static TestHerald herald;
    static Receiver receiver;

    @BeforeAll
    static void start() {
        // The dispatcher looks at the queue by itself only once a minute: a wake-up starts the resumed work.
        herald = TestHerald.start(Map.of("HERALD_DELIVERY_POLL_INTERVAL", "1m", "HERALD_DELIVERY_PER_WEBHOOK_CONCURRENCY", "1"));
        receiver = new Receiver();
    }

    @AfterAll
    static void stop() {
        receiver.close();
        herald.close();
    }

    @Test
    void theDeliveriesAReEnabledWebhookResumesStartWithoutWaitingForThePoll() {
        Api api = herald.newProject("re-enable");
        Gate first = new Gate();
        receiver.on("/hook", r -> {
            first.pass();
            return Reply.status(200);
        });
        String id = api.post("/api/v1/webhooks", "{\"url\":\"" + receiver.url("/hook") + "\",\"events\":[\"order.*\"]}").str("id");
        List<String> deliveries = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) deliveries.add(onlyDelivery(api, DeliveryTest.publishTo(api, "order.created", "{\"i\":" + i + "}")));
            // One attempt in flight (the webhook's limit is 1), two waiting: disabling pauses those two.
            first.awaitWaiting(1);
            assertThat(api.patch("/api/v1/webhooks/" + id, "{\"enabled\":false}").status()).isEqualTo(200);
        } finally {
            first.open();
        }
        awaitDelivery(api, deliveries.get(0), "succeeded", Await.PATIENCE);
        for (String d : deliveries.subList(1, 3)) assertThat(api.get("/api/v1/deliveries/" + d).json().get("status").asString()).isEqualTo("paused");

        assertThat(api.patch("/api/v1/webhooks/" + id, "{\"enabled\":true}").status()).isEqualTo(200);
        for (String d : deliveries.subList(1, 3)) awaitDelivery(api, d, "succeeded", Duration.ofSeconds(20));
        assertThat(receiver.requests("/hook")).hasSize(3);
    }
}
