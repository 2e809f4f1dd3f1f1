package dev.herald.api;

import dev.herald.projects.Principal;
import dev.herald.projects.Role;
import dev.herald.util.Hashes;
import dev.herald.util.JsonBody;
import dev.herald.webhooks.EventPatterns;
import dev.herald.webhooks.EventService;
import io.javalin.config.RoutesConfig;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/** {@code POST /api/v1/events}: answers 202 only after the event and its deliveries are committed. */
final class EventRoutes {
    private static final Set<String> FIELDS = Set.of("type", "data");
    private final EventService events;
    private final int maxBytes;

    EventRoutes(EventService events, int maxBytes) {
        this.events = events;
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
            JsonBody body = JsonBody.parse(new String(raw, StandardCharsets.UTF_8), FIELDS);
            String type = body.string("type", true);
            if (!EventPatterns.isValidType(type)) {
                throw ApiException.invalid("type", "'type' must be dot-separated words of letters, digits, _, - or : (at most "
                        + EventPatterns.MAX_TYPE_LENGTH + " characters), like ticket.created");
            }
            JsonNode data = body.raw("data");
            if (data == null || !data.isObject()) throw ApiException.invalid("data", "'data' is required and must be a JSON object");
            EventService.Accepted a = events.publish(p.projectId(), type, data, key, key == null ? null : Hashes.sha256Hex(raw));
            if (a.replayed()) ctx.header("Idempotent-Replayed", "true");
            Http.json(ctx, 202, a.json());
        });
    }

    /** The request's {@code Idempotency-Key}, checked; null when absent. */
    static String idempotencyKey(io.javalin.http.Context ctx) {
        String key = ctx.header("Idempotency-Key");
        if (key != null) {
            key = key.trim();
            if (key.isEmpty() || key.length() > 255 || !key.chars().allMatch(c -> c >= 0x21 && c <= 0x7e)) {
                throw ApiException.invalid("Idempotency-Key", "'Idempotency-Key' must be 1 to 255 visible ASCII characters");
            }
        }
        return key;
    }

}
