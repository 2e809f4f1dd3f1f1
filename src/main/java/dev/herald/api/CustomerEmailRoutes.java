package dev.herald.api;

import dev.herald.customeremail.CustomerEmail;
import dev.herald.customeremail.CustomerEmailService;
import dev.herald.customeremail.InvisibleCharacters;
import dev.herald.delivery.DeliveryService;
import dev.herald.projects.Principal;
import dev.herald.projects.Role;
import dev.herald.util.Json;
import dev.herald.util.JsonBody;
import io.javalin.config.RoutesConfig;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code /api/v1/customer-emails}: drafts (PUBLISHER, CLIENT_ADMIN), decisions (REVIEWER, CLIENT_ADMIN),
 * sending (PUBLISHER, CLIENT_ADMIN); every role of the project may read.
 */
final class CustomerEmailRoutes {
    private static final Role[] READERS = {Role.CLIENT_ADMIN, Role.PUBLISHER, Role.VIEWER, Role.REVIEWER};

    private final CustomerEmailService service;
    private final DeliveryService deliveries;

    CustomerEmailRoutes(CustomerEmailService service, DeliveryService deliveries) {
        this.service = service;
        this.deliveries = deliveries;
    }

    void register(RoutesConfig r) {
        r.post("/api/v1/customer-emails", ctx -> {
            Principal p = Http.require(ctx, Role.PUBLISHER, Role.CLIENT_ADMIN);
            Http.json(ctx, 201, view(service.draft(p, JsonBody.parse(ctx.body(), CustomerEmailService.FIELDS)), true));
        });
        r.get("/api/v1/customer-emails", ctx -> {
            Principal p = Http.require(ctx, READERS);
            int limit = Http.limit(ctx);
            List<CustomerEmail> rows = service.list(p.projectId(), ctx.queryParam("status"), ctx.queryParam("session_id"), Http.idOrName(ctx.queryParam("cursor")), limit + 1);
            ObjectNode page = Json.object();
            ArrayNode data = page.putArray("data");
            for (int i = 0; i < Math.min(limit, rows.size()); i++) data.add(view(rows.get(i), false));
            page.put("next_cursor", rows.size() > limit ? rows.get(limit - 1).id() : null);
            Http.json(ctx, 200, page);
        });
        r.get("/api/v1/customer-emails/{id}", ctx -> {
            Principal p = Http.require(ctx, READERS);
            Http.json(ctx, 200, view(service.get(p.projectId(), Http.id(ctx)), true));
        });
        r.post("/api/v1/customer-emails/{id}/approve", ctx -> {
            Principal p = Http.require(ctx, Role.REVIEWER, Role.CLIENT_ADMIN);
            JsonBody b = JsonBody.parseOptional(ctx.body(), Set.of("destination_sha256"));
            Http.json(ctx, 200, view(service.approve(p, Http.id(ctx), b.string("destination_sha256", false)), true));
        });
        r.post("/api/v1/customer-emails/{id}/reject", ctx -> {
            Principal p = Http.require(ctx, Role.REVIEWER, Role.CLIENT_ADMIN);
            JsonBody b = JsonBody.parseOptional(ctx.body(), Set.of("reason"));
            Http.json(ctx, 200, view(service.reject(p, Http.id(ctx), b.string("reason", false)), true));
        });
        r.post("/api/v1/customer-emails/{id}/send", ctx -> {
            Principal p = Http.require(ctx, Role.PUBLISHER, Role.CLIENT_ADMIN);
            JsonBody.parseOptional(ctx.body(), Set.of());
            CustomerEmailService.Sent s = service.send(p.projectId(), Http.id(ctx));
            Http.json(ctx, s.queuedNow() ? 202 : 200, view(s.email(), true));
        });
    }

    ObjectNode view(CustomerEmail e, boolean withDelivery) {
        ObjectNode n = Json.object();
        n.put("id", e.id());
        n.put("status", e.status());
        n.put("connection", e.connectionName());
        n.put("connection_id", e.connectionId());
        n.put("session_id", e.sessionId());
        n.put("issue_url", e.issueUrl());
        JsonNode payload = Json.parse(new String(e.payload(), java.nio.charset.StandardCharsets.UTF_8));
        n.set("customer", payload.get("customer"));
        n.set("email", payload.get("email"));
        ArrayNode hidden = n.putArray("invisible_characters");
        for (InvisibleCharacters.Finding f : InvisibleCharacters.in(e)) {
            ObjectNode o = hidden.addObject();
            o.put("field", f.field());
            f.characters().forEach(o.putArray("characters")::add);
        }
        n.put("payload_sha256", e.payloadSha256());
        n.put("review_url", service.reviewUrl(e.id()));
        n.put("created_at", iso(e.createdAt()));
        ObjectNode by = n.putObject("created_by");
        by.put("key_id", e.createdBy());
        by.put("name", e.createdByName());
        if (e.decidedAt() == null) {
            n.putNull("decision");
        } else {
            ObjectNode d = n.putObject("decision");
            d.put("action", e.rejectReason() != null ? "rejected" : "approved");
            ObjectNode who = d.putObject("by");
            who.put("key_id", e.decidedBy());
            who.put("name", e.decidedByName());
            d.put("at", iso(e.decidedAt()));
            d.put("reason", e.rejectReason());
            if (e.rejectReason() == null) {
                d.put("payload_sha256", e.payloadSha256());
                d.put("destination_sha256", e.approvalDestinationSha256());
            }
        }
        if (withDelivery) {
            n.set("destination", service.destination(e).map(dest -> {
                ObjectNode v = dest.description().deepCopy();
                v.put("sha256", dest.sha256());
                return (JsonNode) v;
            }).orElse(null));
            ArrayNode superseded = n.putArray("superseded_approvals");
            for (CustomerEmail.Approval a : service.approvals(e)) {
                if (a.supersededAt() == null) continue;
                ObjectNode o = superseded.addObject();
                ObjectNode who = o.putObject("by");
                who.put("key_id", a.by());
                who.put("name", a.byName());
                o.put("at", iso(a.at()));
                o.put("payload_sha256", a.payloadSha256());
                o.put("destination_sha256", a.destinationSha256());
                o.put("superseded_at", iso(a.supersededAt()));
                o.put("reason", a.supersededReason());
            }
        }
        n.put("sent_at", e.sentAt() == null ? null : iso(e.sentAt()));
        if (e.deliveryId() == null) n.putNull("delivery");
        else if (withDelivery) n.set("delivery", delivery(e));
        else n.putObject("delivery").put("id", e.deliveryId());
        if (e.slackStatus() == null) {
            n.putNull("slack_notice");
        } else {
            ObjectNode s = n.putObject("slack_notice");
            s.put("status", e.slackStatus());
            s.put("error", e.slackError());
            s.put("delivery_id", e.slackDeliveryId());
        }
        n.put("updated_at", iso(e.updatedAt()));
        return n;
    }

    private JsonNode delivery(CustomerEmail e) {
        try {
            return deliveries.get(e.projectId(), e.deliveryId());
        } catch (ApiException gone) {
            ObjectNode pruned = Json.object();
            pruned.put("id", e.deliveryId());
            pruned.put("status", "pruned");
            return pruned;
        }
    }

    private static String iso(long ms) {
        return Instant.ofEpochMilli(ms).toString();
    }
}
