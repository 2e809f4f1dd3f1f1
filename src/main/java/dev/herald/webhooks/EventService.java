package dev.herald.webhooks;

import dev.herald.delivery.Ingress;
import dev.herald.delivery.Message;
import dev.herald.util.Ids;
import dev.herald.util.Json;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Accepts events: serializes the body once ({@code {"id","type","created_at","data"}}), stores it as a
 * message and creates one delivery per matching enabled webhook, all in one commit through the
 * {@link Ingress}. With an Idempotency-Key, a repeat within the TTL returns the first answer and creates nothing.
 */
public final class EventService {
    public static final String KIND = "event";
    private static final DateTimeFormatter TIME = DateTimeFormatter.ISO_INSTANT;

    private final Ingress ingress;
    private final Subscriptions subscriptions;
    private final Clock clock;

    public EventService(Ingress ingress, Subscriptions subscriptions, Clock clock) {
        this.ingress = ingress;
        this.subscriptions = subscriptions;
        this.clock = clock;
    }

    /** What the API answers: the event id, how many deliveries, and whether this is a replayed answer. */
    public record Accepted(String id, int deliveries, boolean replayed) {
        public String json() {
            ObjectNode n = Json.object();
            n.put("id", id);
            n.put("deliveries", deliveries);
            return Json.write(n);
        }

        static Accepted of(Ingress.Receipt r) {
            JsonNode n = Json.parse(r.answer());
            return new Accepted(n.get("id").asString(), n.get("deliveries").asInt(), r.replayed());
        }
    }

    /** Accepts an event: {@code requestHash} is the SHA-256 of the request body, checked against an earlier use of {@code idempotencyKey}. */
    public Accepted publish(String projectId, String type, JsonNode data, String idempotencyKey, String requestHash) {
        // The body is built before the write so the writer only runs SQL.
        Message m = message(projectId, type, data, clock.millis());
        Ingress.IdempotencyKey key = idempotencyKey == null ? null : new Ingress.IdempotencyKey(projectId, "events", idempotencyKey, requestHash);
        return Accepted.of(ingress.accept(key, q -> enqueue(q, m).json()));
    }

    /** Emits an event from inside Herald (e.g. {@code webhook.disabled}, {@code message.delivered}) in a write under way; returns its id. */
    public String publishInternal(Ingress.Queue q, String projectId, String type, JsonNode data) {
        return enqueue(q, message(projectId, type, data, q.now())).id();
    }

    private static Message message(String projectId, String type, JsonNode data, long now) {
        String id = Ids.uuid7(now);
        ObjectNode body = Json.object();
        body.put("id", id);
        body.put("type", type);
        body.put("created_at", TIME.format(Instant.ofEpochMilli(now)));
        body.set("data", data);
        return new Message(id, projectId, KIND, type, Json.bytes(body), now);
    }

    private Accepted enqueue(Ingress.Queue q, Message m) {
        List<String> targets = new ArrayList<>();
        for (WebhookRepository.Subscription s : subscriptions.enabled(q.handle(), m.projectId())) {
            if (EventPatterns.matchesAny(s.events(), m.type())) targets.add(s.id());
        }
        q.enqueue(m, WebhookChannel.NAME, targets);
        return new Accepted(m.id(), targets.size(), false);
    }
}
