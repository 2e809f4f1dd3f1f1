package dev.herald.api;

import dev.herald.delivery.DeliveryService;
import dev.herald.projects.Principal;
import dev.herald.projects.Role;
import dev.herald.util.Ids;
import dev.herald.util.Json;
import dev.herald.util.JsonBody;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.util.List;
import java.util.Set;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code /api/v1/deliveries} and {@code /api/v1/dead-letters}; and {@code POST /api/v1/emails/{id}/cancel},
 * which cancels the deliveries of an email (its recipients), as the delivery routes cancel one.
 */
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
                    messageId(ctx), status, null, cursor(ctx), Http.limit(ctx), channel(ctx))));
        });
        r.get("/api/v1/deliveries/{id}", ctx -> {
            Principal p = Http.require(ctx, Role.CLIENT_ADMIN, Role.VIEWER);
            Http.json(ctx, 200, service.get(p.projectId(), Http.id(ctx)));
        });
        r.post("/api/v1/deliveries/{id}/retry", ctx -> {
            Principal p = Http.require(ctx, Role.CLIENT_ADMIN);
            Http.json(ctx, 202, service.retry(p.projectId(), Http.id(ctx)));
        });
        r.post("/api/v1/deliveries/{id}/cancel", ctx -> {
            Principal p = Http.require(ctx, Role.CLIENT_ADMIN);
            DeliveryService.Cancelled c = service.cancel(p.projectId(), Http.id(ctx));
            Http.json(ctx, c.now() ? 200 : 202, c.delivery());
        });
        r.post("/api/v1/emails/{id}/cancel", ctx -> {
            Principal p = Http.require(ctx, Role.CLIENT_ADMIN);
            String id = Http.id(ctx);
            int[] n = service.cancelMessage(p.projectId(), dev.herald.email.EmailService.KIND, id, "email");
            ObjectNode out = Json.object();
            out.put("id", id);
            out.put("cancelled", n[0]);
            out.put("cancelling", n[1]);
            Http.json(ctx, 200, out);
        });
        r.get("/api/v1/dead-letters", ctx -> {
            Principal p = Http.require(ctx, Role.CLIENT_ADMIN, Role.VIEWER);
            Http.json(ctx, 200, service.list(p.projectId(), new DeliveryService.Filter(Http.uuid(ctx, "webhook_id"),
                    messageId(ctx), "dead", Http.time(ctx, "since"), cursor(ctx), Http.limit(ctx), channel(ctx))));
        });
        r.post("/api/v1/dead-letters/replay", ctx -> {
            Principal p = Http.require(ctx, Role.CLIENT_ADMIN);
            JsonBody b = JsonBody.parse(ctx.body(), Set.of("delivery_id", "webhook_id", "email_id", "since"));
            String deliveryId = b.string("delivery_id", false);
            String webhookId = b.string("webhook_id", false);
            String emailId = b.string("email_id", false);
            String since = b.string("since", false);
            if (deliveryId == null && webhookId == null && emailId == null) {
                throw ApiException.invalid("webhook_id", "give 'delivery_id' to replay one dead letter, 'webhook_id' (and optionally 'since') to replay a webhook's, "
                        + "or 'email_id' to replay an email's");
            }
            if (deliveryId != null && (webhookId != null || emailId != null || since != null)) {
                throw ApiException.invalid("delivery_id", "'delivery_id' cannot be combined with 'webhook_id', 'email_id' or 'since'");
            }
            if (webhookId != null && emailId != null) throw ApiException.invalid("email_id", "'email_id' cannot be combined with 'webhook_id'");
            if (deliveryId != null) deliveryId = Http.uuid(deliveryId, "delivery_id");
            if (webhookId != null) webhookId = Http.uuid(webhookId, "webhook_id");
            if (emailId != null) emailId = Http.uuid(emailId, "email_id");
            int n = service.replay(p.projectId(), deliveryId, webhookId, emailId, since == null ? null : Http.time(since, "since"));
            if (deliveryId != null && n == 0) throw ApiException.notFound("dead letter");
            ObjectNode out = Json.object();
            out.put("replayed", n);
            Http.json(ctx, 202, out);
        });
    }

    /** {@code event_id} or {@code email_id}: both name the message a delivery carries. */
    private static String messageId(Context ctx) {
        String event = Http.uuid(ctx, "event_id");
        String email = Http.uuid(ctx, "email_id");
        if (event != null && email != null) throw ApiException.invalid("email_id", "'email_id' cannot be combined with 'event_id'");
        return event != null ? event : email;
    }

    private String channel(Context ctx) {
        String c = ctx.queryParam("channel");
        List<String> names = service.channelNames();
        if (c != null && !names.contains(c)) throw ApiException.invalid("channel", "'channel' must be one of " + String.join(", ", names));
        return c;
    }

    private static String cursor(Context ctx) {
        String c = ctx.queryParam("cursor");
        if (c == null) return null;
        c = c.toLowerCase(java.util.Locale.ROOT);
        if (!Ids.isUuid(c)) throw ApiException.invalid("cursor", "'cursor' must be the next_cursor of a previous page");
        return c;
    }
}
