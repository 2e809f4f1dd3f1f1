package dev.herald.api;

import dev.herald.delivery.DeliveryService;
import dev.herald.delivery.Message;
import dev.herald.projects.ApiKeys;
import dev.herald.projects.Principal;
import dev.herald.projects.Role;
import dev.herald.util.Hashes;
import dev.herald.util.Ids;
import dev.herald.util.Json;
import dev.herald.util.JsonBody;
import dev.herald.webhooks.EventPatterns;
import dev.herald.webhooks.EventService;
import io.javalin.config.RoutesConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code POST /api/v1/events}: answers 202 only after the event and its deliveries are committed.
 * {@code GET /api/v1/events} lists them (by type and time, newest first, cursor-paged) and
 * {@code GET /api/v1/events/{id}} shows one with its data as sent and its deliveries.
 */
final class EventRoutes {
    private static final Set<String> FIELDS = Set.of("type", "data");
    private static final Set<String> BATCH_FIELDS = Set.of("events");
    private static final Set<String> ITEM_FIELDS = Set.of("type", "data", "idempotency_key");
    /** The most events one {@code POST /api/v1/events/batch} may hold. */
    static final int MAX_BATCH = 1000;
    /** Deliveries shown with one event; the rest through GET /api/v1/deliveries?event_id=. */
    private static final int DELIVERIES_SHOWN = 100;
    private final EventService events;
    private final DeliveryService deliveries;
    private final int maxBytes;
    private final ApiKeys keys;

    EventRoutes(EventService events, DeliveryService deliveries, int maxBytes, ApiKeys keys) {
        this.events = events;
        this.keys = keys;
        this.deliveries = deliveries;
        this.maxBytes = maxBytes;
    }

    void register(RoutesConfig r) {
        r.post("/api/v1/events", ctx -> {
            Principal p = Http.require(ctx, Role.PUBLISHER, Role.CLIENT_ADMIN);
            byte[] raw = ctx.bodyAsBytes();
            if (raw.length > maxBytes) {
                throw new ApiException(413, "payload_too_large", "event body is " + raw.length + " bytes; the limit is " + maxBytes, null);
            }
            String key = idempotencyKey(ctx);
            JsonBody body = JsonBody.parse(Http.bodyText(ctx), FIELDS);
            String type = type(body, "type");
            JsonNode data = data(body, "data");
            EventService.Accepted a = events.publish(p.projectId(), type, data, key, key == null ? null : Hashes.sha256Hex(raw),
                    Credentials.guard(ctx, keys));
            if (a.replayed()) ctx.header("Idempotent-Replayed", "true");
            Http.json(ctx, 202, a.json());
        });
        r.post("/api/v1/events/batch", ctx -> {
            Principal p = Http.require(ctx, Role.PUBLISHER, Role.CLIENT_ADMIN);
            byte[] raw = ctx.bodyAsBytes();
            if (raw.length > maxBytes) {
                throw new ApiException(413, "payload_too_large", "batch body is " + raw.length + " bytes; the limit is " + maxBytes, null);
            }
            List<EventService.BatchItem> items = batchItems(JsonBody.parse(Http.bodyText(ctx), BATCH_FIELDS));
            List<EventService.BatchResult> results = events.publishBatch(p.projectId(), items, Credentials.guard(ctx, keys));
            ObjectNode out = Json.object();
            ArrayNode data = out.putArray("data");
            int accepted = 0;
            for (EventService.BatchResult r1 : results) {
                ObjectNode item = data.addObject();
                if (r1.refused() != null) {
                    item.put("status", Http.status(r1.refused().kind()));
                    item.set("error", Http.error(r1.refused().code(), r1.refused().getMessage(), r1.refused().field()).get("error"));
                } else {
                    accepted++;
                    item.put("status", 202);
                    item.put("id", r1.accepted().id());
                    item.put("deliveries", r1.accepted().deliveries());
                    if (r1.accepted().replayed()) item.put("replayed", true);
                }
            }
            out.put("accepted", accepted);
            out.put("refused", results.size() - accepted);
            Http.json(ctx, 200, out);
        });
        r.get("/api/v1/events", ctx -> {
            Principal p = Http.require(ctx, Role.CLIENT_ADMIN, Role.VIEWER);
            String type = ctx.queryParam("type");
            boolean prefix = false;
            if (type != null) {
                prefix = type.endsWith(".*");
                String exact = prefix ? type.substring(0, type.length() - 2) : type;
                if (!EventPatterns.isValidType(exact)) {
                    throw ApiException.invalid("type", "'type' must be an event type like ticket.created, or a prefix like ticket.*");
                }
                type = prefix ? exact + "." : exact;
            }
            Long since = Http.time(ctx, "since");
            Long until = Http.time(ctx, "until");
            if (since != null && until != null && until <= since) throw ApiException.invalid("until", "'until' must be later than 'since'");
            String cursor = ctx.queryParam("cursor");
            if (cursor != null && !Ids.isUuid(cursor)) throw ApiException.invalid("cursor", "'cursor' must be the next_cursor of a previous page");
            DeliveryService.MessagePage page = deliveries.messages(p.projectId(), EventService.KIND,
                    new DeliveryService.MessageFilter(type, prefix, since, until, cursor, Http.limit(ctx)));
            ObjectNode out = Json.object();
            ArrayNode data = out.putArray("data");
            page.messages().forEach(m -> data.add(EventService.view(m.id(), m.type(), m.createdAt())));
            out.put("next_cursor", page.nextCursor());
            Http.json(ctx, 200, out);
        });
        r.get("/api/v1/events/{id}", ctx -> {
            Principal p = Http.require(ctx, Role.CLIENT_ADMIN, Role.VIEWER);
            Message m = deliveries.message(p.projectId(), EventService.KIND, Http.id(ctx), "event");
            ObjectNode out = EventService.detail(m);
            out.set("deliveries", deliveries.list(p.projectId(),
                    new DeliveryService.Filter(null, m.id(), null, null, null, DELIVERIES_SHOWN, null)));
            Http.json(ctx, 200, out);
        });
    }

    /**
     * The items of a batch, every one checked before any is stored: a malformed item refuses the whole
     * batch with a 400 naming it ({@code events[3].type}).
     */
    private static List<EventService.BatchItem> batchItems(JsonBody body) {
        JsonNode list = body.raw("events");
        if (list == null || list.isNull()) throw ApiException.invalid("events", "'events' is required: an array of 1 to " + MAX_BATCH + " events");
        if (!list.isArray()) throw ApiException.invalid("events", "'events' must be an array of 1 to " + MAX_BATCH + " events");
        if (list.isEmpty()) throw ApiException.invalid("events", "'events' must hold at least one event");
        if (list.size() > MAX_BATCH) {
            throw new ApiException(413, "batch_too_large", "'events' holds " + list.size() + " events; a batch may hold at most " + MAX_BATCH, "events");
        }
        List<EventService.BatchItem> items = new ArrayList<>(list.size());
        for (int i = 0; i < list.size(); i++) {
            String at = "events[" + i + "]";
            if (!(list.get(i) instanceof ObjectNode o)) throw ApiException.invalid(at, "'" + at + "' must be an object with 'type' and 'data'");
            JsonBody item = JsonBody.of(o, at).only(ITEM_FIELDS);
            String type = type(item, at + ".type");
            JsonNode data = data(item, at + ".data");
            String key = checkedKey(item.string("idempotency_key", false), at + ".idempotency_key");
            String hash = null;
            if (key != null) {
                // What a repeat must match: the item's type and data as parsed (not its whitespace or key).
                ObjectNode canonical = Json.object();
                canonical.put("type", type);
                canonical.set("data", data);
                hash = Hashes.sha256Hex(Json.write(canonical));
            }
            items.add(new EventService.BatchItem(type, data, key, hash));
        }
        return items;
    }

    /** The request's {@code Idempotency-Key}, checked; null when absent. */
    static String idempotencyKey(io.javalin.http.Context ctx) {
        String key = ctx.header("Idempotency-Key");
        return key == null ? null : checkedKey(key.trim(), "Idempotency-Key");
    }

    /** An idempotency key (null: none) as {@code field} gave it: 1 to 255 visible ASCII characters. */
    private static String checkedKey(String key, String field) {
        if (key != null && (key.isEmpty() || key.length() > 255 || !key.chars().allMatch(c -> c >= 0x21 && c <= 0x7e))) {
            throw ApiException.invalid(field, "'" + field + "' must be 1 to 255 visible ASCII characters");
        }
        return key;
    }

    /** An event's {@code type} (required), named {@code field} in a refusal. */
    private static String type(JsonBody body, String field) {
        String type = body.string("type", true);
        if (!EventPatterns.isValidType(type)) {
            throw ApiException.invalid(field, "'" + field + "' must be dot-separated words of letters, digits, _, - or : (at most "
                    + EventPatterns.MAX_TYPE_LENGTH + " characters), like ticket.created");
        }
        return type;
    }

    /** An event's {@code data} (a required JSON object), named {@code field} in a refusal. */
    private static JsonNode data(JsonBody body, String field) {
        JsonNode data = body.raw("data");
        if (data == null || !data.isObject()) throw ApiException.invalid(field, "'" + field + "' is required and must be a JSON object");
        return data;
    }

}
