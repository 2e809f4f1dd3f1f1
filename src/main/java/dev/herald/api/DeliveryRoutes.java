package dev.herald.api;

import dev.herald.Ids;
import dev.herald.Json;
import dev.herald.delivery.DeliveryService;
import dev.herald.projects.Principal;
import dev.herald.projects.Role;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.util.Set;
import tools.jackson.databind.node.ObjectNode;

/** {@code /api/v1/deliveries} and {@code /api/v1/dead-letters}. */
final class DeliveryRoutes {
    private final DeliveryService service;

    DeliveryRoutes(DeliveryService service) {
        this.service = service;
    }

    void register(RoutesConfig r) {
        r.get("/api/v1/deliveries", ctx -> {
            Principal p = Http.require(ctx, Role.CLIENT_ADMIN, Role.VIEWER);
            String status = ctx.queryParam("status");
            if (status != null && !DeliveryService.STATUSES.contains(status)) {
                throw ApiException.invalid("status", "'status' must be one of " + DeliveryService.STATUSES);
            }
            Http.json(ctx, 200, service.list(p.projectId(), new DeliveryService.Filter(Http.uuid(ctx, "webhook_id"),
                    Http.uuid(ctx, "event_id"), status, null, cursor(ctx), Http.limit(ctx))));
        });
        r.get("/api/v1/deliveries/{id}", ctx -> {
            Principal p = Http.require(ctx, Role.CLIENT_ADMIN, Role.VIEWER);
            Http.json(ctx, 200, service.get(p.projectId(), ctx.pathParam("id")));
        });
        r.post("/api/v1/deliveries/{id}/retry", ctx -> {
            Principal p = Http.require(ctx, Role.CLIENT_ADMIN);
            Http.json(ctx, 202, service.retry(p.projectId(), ctx.pathParam("id")));
        });
        r.get("/api/v1/dead-letters", ctx -> {
            Principal p = Http.require(ctx, Role.CLIENT_ADMIN, Role.VIEWER);
            Http.json(ctx, 200, service.list(p.projectId(), new DeliveryService.Filter(Http.uuid(ctx, "webhook_id"),
                    Http.uuid(ctx, "event_id"), "dead", Http.time(ctx, "since"), cursor(ctx), Http.limit(ctx))));
        });
        r.post("/api/v1/dead-letters/replay", ctx -> {
            Principal p = Http.require(ctx, Role.CLIENT_ADMIN);
            JsonBody b = JsonBody.parse(ctx.body(), Set.of("delivery_id", "webhook_id", "since"));
            String deliveryId = b.string("delivery_id", false);
            String webhookId = b.string("webhook_id", false);
            String since = b.string("since", false);
            if (deliveryId == null && webhookId == null) {
                throw ApiException.invalid("webhook_id", "give 'delivery_id' to replay one dead letter, or 'webhook_id' (and optionally 'since') to replay a webhook's");
            }
            if (deliveryId != null && (webhookId != null || since != null)) {
                throw ApiException.invalid("delivery_id", "'delivery_id' cannot be combined with 'webhook_id' or 'since'");
            }
            if (deliveryId != null && !Ids.isUuid(deliveryId)) throw ApiException.invalid("delivery_id", "'delivery_id' must be a UUID");
            if (webhookId != null && !Ids.isUuid(webhookId)) throw ApiException.invalid("webhook_id", "'webhook_id' must be a UUID");
            int n = service.replay(p.projectId(), deliveryId, webhookId, since == null ? null : Http.time(since, "since"));
            if (deliveryId != null && n == 0) throw ApiException.notFound("dead letter");
            ObjectNode out = Json.object();
            out.put("replayed", n);
            Http.json(ctx, 202, out);
        });
    }

    private static String cursor(Context ctx) {
        String c = ctx.queryParam("cursor");
        if (c != null && !Ids.isUuid(c)) throw ApiException.invalid("cursor", "'cursor' must be the next_cursor of a previous page");
        return c;
    }
}
