package dev.herald.support;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/** Waiting for deliveries to finish, through the API. */
public final class Deliveries {
    private Deliveries() {}

    /** Posts an event and returns the detail (with attempts) of its one delivery once it succeeded or is dead. */
    public static JsonNode publishAndAwait(Api api, String type) {
        Api.Res r = api.post("/api/v1/events", "{\"type\":\"" + type + "\",\"data\":{\"n\":1}}");
        if (r.status() != 202) throw new AssertionError("event not accepted: " + r);
        return awaitFinal(api, r.str("id"), Await.PATIENCE);
    }

    public static JsonNode awaitFinal(Api api, String eventId, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            JsonNode list = api.get("/api/v1/deliveries?event_id=" + eventId).json().get("data");
            if (list.size() == 1) {
                String status = list.get(0).get("status").asString();
                if (status.equals("succeeded") || status.equals("dead")) return api.get("/api/v1/deliveries/" + list.get(0).get("id").asString()).json();
            }
            Receiver.sleep(20);
        }
        throw new AssertionError("the delivery of event " + eventId + " did not finish within " + timeout);
    }

    /** Statuses the dispatcher never moves a delivery out of by itself (a paused one waits for its target to be re-enabled). */
    public static final Set<String> SETTLED = Set.of("succeeded", "dead", "cancelled", "paused");

    /**
     * Waits until every delivery of the project (any channel) is settled: none pending, none in flight. A
     * request to a receiver is made only while its delivery is in flight, and a delivery stays in flight until
     * the outcome of its attempt is recorded, together with anything the outcome creates (a webhook.disabled
     * event's deliveries, a failure streak). So once this returns, every request the project's queue will ever
     * make by itself has been received, and every count it keeps is final: the positive signal that lets a
     * test assert "nothing more arrived". Returns the deliveries (newest first), one page of at most 500.
     */
    public static List<JsonNode> awaitSettled(Api api) {
        return Await.until("every delivery of the project succeeded, dead, cancelled or paused", () -> {
            JsonNode page = api.get("/api/v1/deliveries?limit=500").json();
            if (!page.get("next_cursor").isNull()) throw new AssertionError("more than 500 deliveries: awaitSettled reads one page");
            List<JsonNode> all = new ArrayList<>();
            page.get("data").forEach(all::add);
            return all;
        }, all -> all.stream().allMatch(d -> SETTLED.contains(d.get("status").asString())));
    }
}
