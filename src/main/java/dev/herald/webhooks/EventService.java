package dev.herald.webhooks;

import dev.herald.util.Ids;
import dev.herald.util.Json;
import dev.herald.api.ApiException;
import dev.herald.delivery.DeliveryRepository;
import dev.herald.delivery.Message;
import dev.herald.store.Database;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Accepts events: serializes the body once ({@code {"id","type","created_at","data"}}), stores it as a
 * message and creates one delivery per matching enabled webhook, all in one commit. With an
 * Idempotency-Key, a repeat within the TTL returns the first answer and creates nothing.
 */
public final class EventService {
    public static final String KIND = "event";
    private static final DateTimeFormatter TIME = DateTimeFormatter.ISO_INSTANT;

    private final Database db;
    private final Subscriptions subscriptions;
    private final Clock clock;
    private final Duration idempotencyTtl;
    private final Runnable onAccepted;

    /** @param onAccepted called after a commit that created deliveries (wakes the dispatcher) */
    public EventService(Database db, Subscriptions subscriptions, Clock clock, Duration idempotencyTtl, Runnable onAccepted) {
        this.db = db;
        this.subscriptions = subscriptions;
        this.clock = clock;
        this.idempotencyTtl = idempotencyTtl;
        this.onAccepted = onAccepted;
    }

    /** What the API answers: the event id, how many deliveries, and whether this is a replayed answer. */
    public record Accepted(String id, int deliveries, boolean replayed) {
        public String json() {
            ObjectNode n = Json.object();
            n.put("id", id);
            n.put("deliveries", deliveries);
            return Json.write(n);
        }
    }

    public Accepted publish(String projectId, String type, JsonNode data, String idempotencyKey, String requestHash) {
        // The body is built before the job so the writer only runs SQL.
        long now = clock.millis();
        Message m = message(projectId, type, data, now);
        Accepted a = db.writer().execute(h -> {
            if (idempotencyKey != null) {
                Optional<Accepted> seen = Idempotency.find(h, projectId, "events", idempotencyKey, requestHash, now - idempotencyTtl.toMillis())
                        .map(json -> {
                            JsonNode n = Json.parse(json);
                            return new Accepted(n.get("id").asString(), n.get("deliveries").asInt(), true);
                        });
                if (seen.isPresent()) return seen.get();
            }
            Accepted result = insert(h, m, now);
            if (idempotencyKey != null) Idempotency.store(h, projectId, "events", idempotencyKey, requestHash, result.json(), now);
            return result;
        });
        if (!a.replayed() && a.deliveries() > 0) onAccepted.run();
        return a;
    }

    /** Emits an event from inside Herald (e.g. {@code webhook.disabled}) in the caller's transaction. */
    public void insertInternal(Handle h, String projectId, String type, JsonNode data, long now) {
        insert(h, message(projectId, type, data, now), now);
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

    private Accepted insert(Handle h, Message m, long now) {
        DeliveryRepository.insertMessage(h, m);
        List<String> targets = new ArrayList<>();
        for (WebhookRepository.Subscription s : subscriptions.enabled(h, m.projectId())) {
            if (EventPatterns.matchesAny(s.events(), m.type())) targets.add(s.id());
        }
        DeliveryRepository.insertDeliveries(h, m, WebhookChannel.NAME, targets, now);
        return new Accepted(m.id(), targets.size(), false);
    }

    /** Idempotency keys, scoped per project and endpoint ({@code events}, {@code emails}). */
    public static final class Idempotency {
        private Idempotency() {}

        /** The stored answer for this key, if one is younger than {@code notBefore}; a different request under the key is a 422. */
        public static Optional<String> find(Handle h, String projectId, String scope, String key, String requestHash, long notBefore) {
            return h.createQuery("SELECT request_hash, response FROM idempotency_keys WHERE project_id = :p AND scope = :s AND key = :k AND created_at >= :nb")
                    .bind("p", projectId).bind("s", scope).bind("k", key).bind("nb", notBefore)
                    .map((rs, ctx) -> {
                        if (!rs.getString("request_hash").equals(requestHash)) {
                            throw new ApiException(422, "idempotency_key_reused",
                                    "this Idempotency-Key was used with a different request body", "Idempotency-Key");
                        }
                        return rs.getString("response");
                    }).findOne();
        }

        public static void store(Handle h, String projectId, String scope, String key, String requestHash, String response, long now) {
            // An expired row with the same key is replaced.
            h.createUpdate("DELETE FROM idempotency_keys WHERE project_id = :p AND scope = :s AND key = :k")
                    .bind("p", projectId).bind("s", scope).bind("k", key).execute();
            h.createUpdate("INSERT INTO idempotency_keys (project_id, scope, key, request_hash, response, created_at) VALUES (:p, :s, :k, :rh, :r, :now)")
                    .bind("p", projectId).bind("s", scope).bind("k", key).bind("rh", requestHash).bind("r", response).bind("now", now).execute();
        }
    }
}
