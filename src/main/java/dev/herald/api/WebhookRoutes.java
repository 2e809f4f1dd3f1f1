package dev.herald.api;

import dev.herald.config.Durations;
import dev.herald.projects.Principal;
import dev.herald.projects.Role;
import dev.herald.signing.Signers;
import dev.herald.util.Json;
import dev.herald.util.JsonBody;
import dev.herald.webhooks.Webhook;
import dev.herald.webhooks.WebhookService;
import io.javalin.config.RoutesConfig;
import java.time.Instant;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code /api/v1/webhooks}: subscriptions (CLIENT_ADMIN; VIEWER may read). Secrets appear only in create
 * and rotate answers. {@code POST /{id}/test} sends a {@code webhook.test} event to that webhook alone.
 */
final class WebhookRoutes {
    private final WebhookService service;

    WebhookRoutes(WebhookService service) {
        this.service = service;
    }

    void register(RoutesConfig r) {
        r.get("/api/v1/webhooks", ctx -> {
            Principal p = Http.require(ctx, Role.CLIENT_ADMIN, Role.VIEWER);
            ObjectNode page = Json.object();
            ArrayNode data = page.putArray("data");
            for (Webhook w : service.list(p.projectId())) data.add(view(w));
            Http.json(ctx, 200, page);
        });
        r.post("/api/v1/webhooks", ctx -> {
            Principal p = Http.require(ctx, Role.CLIENT_ADMIN);
            WebhookService.WithSecret created = service.create(p.projectId(), JsonBody.parse(ctx.body(), WebhookService.FIELDS));
            ObjectNode v = view(created.webhook());
            v.put("secret", created.secret());
            Http.json(ctx, 201, v);
        });
        r.get("/api/v1/webhooks/{id}", ctx -> {
            Principal p = Http.require(ctx, Role.CLIENT_ADMIN, Role.VIEWER);
            Http.json(ctx, 200, view(service.get(p.projectId(), Http.id(ctx))));
        });
        r.patch("/api/v1/webhooks/{id}", ctx -> {
            Principal p = Http.require(ctx, Role.CLIENT_ADMIN);
            Http.json(ctx, 200, view(service.update(p.projectId(), Http.id(ctx), JsonBody.parse(ctx.body(), WebhookService.FIELDS))));
        });
        r.delete("/api/v1/webhooks/{id}", ctx -> {
            Principal p = Http.require(ctx, Role.CLIENT_ADMIN);
            service.delete(p.projectId(), Http.id(ctx));
            ctx.status(204);
        });
        r.post("/api/v1/webhooks/{id}/test", ctx -> {
            Principal p = Http.require(ctx, Role.CLIENT_ADMIN);
            JsonBody.parseOptional(ctx.body(), java.util.Set.of());
            Http.json(ctx, 202, service.sendTest(p.projectId(), Http.id(ctx)).json());
        });
        r.post("/api/v1/webhooks/{id}/rotate-secret", ctx -> {
            Principal p = Http.require(ctx, Role.CLIENT_ADMIN);
            WebhookService.WithSecret rotated = service.rotate(p.projectId(), Http.id(ctx), JsonBody.parseOptional(ctx.body(), java.util.Set.of("grace_period")));
            ObjectNode v = view(rotated.webhook());
            v.put("secret", rotated.secret());
            Http.json(ctx, 200, v);
        });
    }

    static ObjectNode view(Webhook w) {
        ObjectNode n = Json.object();
        n.put("id", w.id());
        n.put("url", w.url());
        ArrayNode events = n.putArray("events");
        w.events().forEach(events::add);
        n.put("description", w.description());
        ObjectNode headers = n.putObject("headers");
        w.headers().forEach(headers::put);
        n.put("enabled", w.enabled());
        n.put("disabled_reason", w.disabledReason());
        n.put("disabled_at", w.disabledAt() == null ? null : Instant.ofEpochMilli(w.disabledAt()).toString());
        ArrayNode schedule = n.putArray("retry_schedule");
        w.retrySchedule().forEach(d -> schedule.add(Durations.format(d)));
        n.put("timeout_seconds", w.timeoutSeconds());
        if (w.authView() == null) n.putNull("auth");
        else n.set("auth", Json.parse(w.authView()));
        ObjectNode sig = n.putObject("signature");
        sig.put("scheme", w.signatureScheme());
        sig.put("header", w.signatureHeader() != null ? w.signatureHeader() : Signers.get(w.signatureScheme()).defaultHeader());
        sig.put("kid", w.secretKid());
        long now = System.currentTimeMillis();
        if (w.previousSecretUntil() != null && w.previousSecretUntil() > now) {
            ObjectNode rot = n.putObject("secret_rotation");
            rot.put("previous_kid", w.previousSecretKid());
            rot.put("previous_valid_until", Instant.ofEpochMilli(w.previousSecretUntil()).toString());
        } else {
            n.putNull("secret_rotation");
        }
        n.put("consecutive_failures", w.consecutiveFailures());
        n.put("created_at", Instant.ofEpochMilli(w.createdAt()).toString());
        n.put("updated_at", Instant.ofEpochMilli(w.updatedAt()).toString());
        return n;
    }
}
