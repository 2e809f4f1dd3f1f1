package dev.herald.support;

import java.time.Duration;
import tools.jackson.databind.JsonNode;

/** Waiting for deliveries to finish, through the API. */
public final class Deliveries {
    private Deliveries() {}

    /** Posts an event and returns the detail (with attempts) of its one delivery once it succeeded or is dead. */
    public static JsonNode publishAndAwait(Api api, String type) {
        Api.Res r = api.post("/api/v1/events", "{\"type\":\"" + type + "\",\"data\":{\"n\":1}}");
        if (r.status() != 202) throw new AssertionError("event not accepted: " + r);
        return awaitFinal(api, r.str("id"), Duration.ofSeconds(20));
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
}
