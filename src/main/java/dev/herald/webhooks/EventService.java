package dev.herald.webhooks;

import dev.herald.delivery.Ingress;
import dev.herald.delivery.Message;
import dev.herald.util.Ids;
import dev.herald.util.Json;
import dev.herald.util.Problem;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.databind.util.RawValue;

/**
 * Accepts events: serializes the body once ({@code {"id","type","created_at","data"}}), stores it as a
 * message and creates one delivery per matching enabled webhook, all in one commit through the
 * {@link Ingress}. With an Idempotency-Key, a repeat within the TTL returns the first answer and creates nothing.
 * Also sends a {@code webhook.test} event to one webhook, and shows stored events as the API lists them.
 */
public final class EventService {
    public static final String KIND = "event";
    /** The type of the event {@link #sendTest} sends. */
    public static final String TEST_TYPE = "webhook.test";
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
            // The id is a UUID: nothing in it needs escaping.
            return "{\"id\":\"" + id + "\",\"deliveries\":" + deliveries + "}";
        }

        static Accepted of(Ingress.Receipt r) {
            JsonNode n = Json.parse(r.answer());
            return new Accepted(n.get("id").asString(), n.get("deliveries").asInt(), r.replayed());
        }
    }

    /**
     * Accepts an event: {@code requestHash} is the SHA-256 of the request body, checked against an earlier use
     * of {@code idempotencyKey}; {@code guard} (may be null) is what the write must still find true to commit
     * (the caller's key active).
     */
    public Accepted publish(String projectId, String type, JsonNode data, String idempotencyKey, String requestHash, Ingress.Guard guard) {
        // The body is built before the write so the writer only runs SQL.
        Message m = message(projectId, type, data, clock.millis());
        // An event's rows are only inserted here: they may go in with the rest of the writer's batch.
        if (idempotencyKey == null) return ingress.write(Ingress.Rows.WITH_THE_BATCH, guard, q -> enqueue(q, m));
        Ingress.IdempotencyKey key = new Ingress.IdempotencyKey(projectId, "events", idempotencyKey, requestHash);
        return Accepted.of(ingress.accept(Ingress.Rows.WITH_THE_BATCH, guard, key, q -> enqueue(q, m).json()));
    }

    /** One event of a batch: its type and data (checked), its Idempotency-Key (or null) and the hash of the item as sent. */
    public record BatchItem(String type, JsonNode data, String idempotencyKey, String requestHash) {}

    /** The answer for one item of a batch: accepted (or replayed), or refused for a reason of its own. */
    public record BatchResult(Accepted accepted, Problem refused) {}

    /**
     * Accepts a batch of events in one commit through the {@link Ingress}: each item is what
     * {@link #publish} would do with it, in order, with its own Idempotency-Key (scope {@code events.batch});
     * a key reused with a different item refuses that item alone ({@code idempotency_key_reused}, naming
     * {@code events[i].idempotency_key}). {@code guard} (may be null) is checked once for the whole batch.
     */
    public List<BatchResult> publishBatch(String projectId, List<BatchItem> items, Ingress.Guard guard) {
        long now = clock.millis();
        List<Ingress.Item> work = new ArrayList<>(items.size());
        for (BatchItem item : items) {
            Message m = message(projectId, item.type(), item.data(), now);
            Ingress.IdempotencyKey key = item.idempotencyKey() == null ? null
                    : new Ingress.IdempotencyKey(projectId, BATCH_SCOPE, item.idempotencyKey(), item.requestHash());
            work.add(new Ingress.Item(key, q -> enqueue(q, m).json()));
        }
        List<Ingress.ItemResult> results = ingress.acceptAll(Ingress.Rows.WITH_THE_BATCH, guard, work);
        List<BatchResult> out = new ArrayList<>(results.size());
        for (int i = 0; i < results.size(); i++) {
            Ingress.ItemResult r = results.get(i);
            if (r.refused() != null) {
                out.add(new BatchResult(null, new Problem(r.refused().kind(), r.refused().code(),
                        "this idempotency_key was used with a different event", "events[" + i + "].idempotency_key")));
            } else {
                out.add(new BatchResult(Accepted.of(r.receipt()), null));
            }
        }
        return out;
    }

    /** The scope of batch items' idempotency keys: apart from the {@code Idempotency-Key} header's ({@code events}). */
    static final String BATCH_SCOPE = "events.batch";

    /** Emits an event from inside Herald (e.g. {@code webhook.disabled}, {@code message.delivered}) in a write under way; returns its id. */
    public String publishInternal(Ingress.Queue q, String projectId, String type, JsonNode data) {
        return enqueue(q, message(projectId, type, data, q.now())).id();
    }

    /** What {@link #sendTest} queued: the event and its one delivery. */
    public record TestSent(String eventId, String deliveryId) {
        public ObjectNode json() {
            ObjectNode n = Json.object();
            n.put("event_id", eventId);
            n.put("delivery_id", deliveryId);
            return n;
        }
    }

    /**
     * Sends a {@code webhook.test} event to one webhook only, whatever its event filter: one message, one
     * delivery, through the ingress like every event. A disabled webhook is refused (its deliveries wait,
     * paused, so a test would prove nothing).
     */
    public TestSent sendTest(String projectId, String webhookId) {
        if (!Ids.isUuid(webhookId)) throw Problem.notFound("webhook");
        return ingress.write(q -> {
            Webhook w = WebhookRepository.find(q.handle(), projectId, webhookId).orElseThrow(() -> Problem.notFound("webhook"));
            if (!w.enabled()) throw Problem.conflict("the webhook is disabled; enable it (PATCH \"enabled\": true) to send a test event");
            ObjectNode data = Json.object();
            data.put("webhook_id", w.id());
            data.put("message", "A test event sent by Herald on request (POST /api/v1/webhooks/" + w.id() + "/test).");
            Message m = message(projectId, TEST_TYPE, data, q.now());
            List<String> ids = q.enqueue(m, WebhookChannel.NAME, List.of(w.id()));
            return new TestSent(m.id(), ids.get(0));
        });
    }

    /** An event as listed: id, type, created_at. */
    public static ObjectNode view(String id, String type, long createdAt) {
        ObjectNode n = Json.object();
        n.put("id", id);
        n.put("type", type);
        n.put("created_at", TIME.format(Instant.ofEpochMilli(createdAt)));
        return n;
    }

    /**
     * An event with its {@code data} exactly as it is in the body Herald sends and signs (spliced in as
     * stored, never re-serialized, so numbers and key order are the sender's).
     */
    public static ObjectNode detail(Message m) {
        ObjectNode n = view(m.id(), m.type(), m.createdAt());
        n.putRawValue("data", new RawValue(rawData(m.body())));
        return n;
    }

    /** The text of the body's top-level {@code data} value. */
    static String rawData(byte[] body) {
        try (JsonParser p = Json.MAPPER.createParser(body)) {
            if (p.nextToken() != JsonToken.START_OBJECT) throw new IllegalStateException("event body is not a JSON object");
            while (p.nextToken() == JsonToken.PROPERTY_NAME) {
                String name = p.currentName();
                JsonToken value = p.nextToken();
                long start = p.currentTokenLocation().getByteOffset();
                p.skipChildren();
                if (name.equals("data")) {
                    long end = value.isStructStart() ? p.currentTokenLocation().getByteOffset() + 1 : p.currentLocation().getByteOffset();
                    return new String(body, (int) start, (int) (end - start), StandardCharsets.UTF_8);
                }
            }
        }
        throw new IllegalStateException("event body has no data");
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
