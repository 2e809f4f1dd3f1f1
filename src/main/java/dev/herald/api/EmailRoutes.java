package dev.herald.api;

import dev.herald.delivery.DeliveryService;
import dev.herald.email.EmailService;
import dev.herald.email.EmailTemplate;
import dev.herald.email.TemplateService;
import dev.herald.inbound.InboundService;
import dev.herald.projects.Principal;
import dev.herald.projects.Role;
import dev.herald.util.Hashes;
import dev.herald.util.Json;
import dev.herald.util.JsonBody;
import io.javalin.config.RoutesConfig;
import java.time.Instant;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code POST /api/v1/emails} (answers 202 only after the email and its deliveries are committed),
 * {@code GET /api/v1/emails/{id}}, and {@code /api/v1/email-templates}.
 */
final class EmailRoutes {
    private final EmailService emails;
    private final TemplateService templates;
    private final DeliveryService deliveries;
    private final InboundService inbound;
    private final int maxBytes;

    EmailRoutes(EmailService emails, TemplateService templates, DeliveryService deliveries, InboundService inbound, int maxBytes) {
        this.inbound = inbound;
        this.emails = emails;
        this.templates = templates;
        this.deliveries = deliveries;
        this.maxBytes = maxBytes;
    }

    void register(RoutesConfig r) {
        r.post("/api/v1/emails", ctx -> {
            Principal p = Http.require(ctx, Role.PUBLISHER, Role.CLIENT_ADMIN);
            byte[] raw = ctx.bodyAsBytes();
            if (raw.length > maxBytes) {
                throw new ApiException(413, "payload_too_large", "email request is " + raw.length + " bytes; the limit is " + maxBytes, null);
            }
            String key = EventRoutes.idempotencyKey(ctx);
            JsonBody body = JsonBody.parse(raw, EmailService.FIELDS);
            EmailService.Accepted a = emails.send(p.projectId(), body, key, key == null ? null : Hashes.sha256Hex(raw));
            if (a.replayed()) ctx.header("Idempotent-Replayed", "true");
            Http.json(ctx, 202, a.json());
        });
        r.get("/api/v1/emails/{id}", ctx -> {
            Principal p = Http.require(ctx, Role.CLIENT_ADMIN, Role.VIEWER);
            ObjectNode email = emails.get(p.projectId(), Http.id(ctx), deliveries);
            // What providers reported about it (docs/inbound.md), in the order it happened.
            email.set("statuses", inbound.statusesOfEmail(p.projectId(), email.get("id").asString()));
            Http.json(ctx, 200, email);
        });
        r.get("/api/v1/email-templates", ctx -> {
            Principal p = Http.require(ctx, Role.CLIENT_ADMIN);
            ObjectNode page = Json.object();
            ArrayNode data = page.putArray("data");
            for (EmailTemplate t : templates.list(p.projectId())) data.add(view(t));
            Http.json(ctx, 200, page);
        });
        r.get("/api/v1/email-templates/{name}", ctx -> {
            Principal p = Http.require(ctx, Role.CLIENT_ADMIN);
            Http.json(ctx, 200, view(templates.get(p.projectId(), ctx.pathParam("name"))));
        });
        r.put("/api/v1/email-templates/{name}", ctx -> {
            Principal p = Http.require(ctx, Role.CLIENT_ADMIN);
            TemplateService.Saved s = templates.put(p.projectId(), ctx.pathParam("name"), JsonBody.parse(ctx.body(), TemplateService.FIELDS));
            Http.json(ctx, s.created() ? 201 : 200, view(s.template()));
        });
        r.delete("/api/v1/email-templates/{name}", ctx -> {
            Principal p = Http.require(ctx, Role.CLIENT_ADMIN);
            templates.delete(p.projectId(), ctx.pathParam("name"));
            ctx.status(204);
        });
    }

    static ObjectNode view(EmailTemplate t) {
        ObjectNode n = Json.object();
        n.put("name", t.name());
        n.put("subject", t.subject());
        n.put("text", t.text());
        n.put("html", t.html());
        n.put("built_in", t.builtIn());
        n.put("created_at", t.createdAt() == null ? null : Instant.ofEpochMilli(t.createdAt()).toString());
        n.put("updated_at", t.updatedAt() == null ? null : Instant.ofEpochMilli(t.updatedAt()).toString());
        return n;
    }
}
