package dev.herald.api;

import dev.herald.connections.Connection;
import dev.herald.connections.ConnectionNames;
import dev.herald.connections.ConnectionService;
import dev.herald.projects.Principal;
import dev.herald.projects.Role;
import dev.herald.util.Json;
import dev.herald.util.JsonBody;
import io.javalin.config.RoutesConfig;
import java.time.Instant;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/** {@code /api/v1/connections}: named targets with their credentials (CLIENT_ADMIN). Secrets are write-only. */
final class ConnectionRoutes {
    private final ConnectionService service;

    ConnectionRoutes(ConnectionService service) {
        this.service = service;
    }

    void register(RoutesConfig r) {
        r.get("/api/v1/connections", ctx -> {
            Principal p = Http.require(ctx, Role.CLIENT_ADMIN);
            ObjectNode page = Json.object();
            ArrayNode data = page.putArray("data");
            for (Connection c : service.list(p.projectId())) data.add(view(c));
            Http.json(ctx, 200, page);
        });
        r.post("/api/v1/connections", ctx -> {
            Principal p = Http.require(ctx, Role.CLIENT_ADMIN);
            Http.json(ctx, 201, view(service.create(p.projectId(), JsonBody.parse(ctx.body(), ConnectionService.FIELDS))));
        });
        r.get("/api/v1/connections/{name}", ctx -> {
            Principal p = Http.require(ctx, Role.CLIENT_ADMIN);
            Http.json(ctx, 200, view(service.get(p.projectId(), ctx.pathParam("name"))));
        });
        r.patch("/api/v1/connections/{name}", ctx -> {
            Principal p = Http.require(ctx, Role.CLIENT_ADMIN);
            Http.json(ctx, 200, view(service.update(p.projectId(), ctx.pathParam("name"), JsonBody.parse(ctx.body(), ConnectionService.FIELDS))));
        });
        r.delete("/api/v1/connections/{name}", ctx -> {
            Principal p = Http.require(ctx, Role.CLIENT_ADMIN);
            service.delete(p.projectId(), ctx.pathParam("name"));
            ctx.status(204);
        });
        r.post("/api/v1/connections/{name}/test", ctx -> {
            Principal p = Http.require(ctx, Role.CLIENT_ADMIN);
            Http.json(ctx, 200, service.test(p.projectId(), ctx.pathParam("name"), JsonBody.parseOptional(ctx.body(), ConnectionService.TEST_FIELDS)));
        });
    }

    static ObjectNode view(Connection c) {
        ObjectNode n = Json.object();
        n.put("id", c.id());
        n.put("name", c.name());
        n.put("resource_name", ConnectionNames.resourceName(c.name()));
        n.put("display_name", c.displayName());
        n.put("description", c.description());
        n.put("type", c.type());
        n.set("connection_details", Json.parse(c.detailsView()));
        n.put("created_at", Instant.ofEpochMilli(c.createdAt()).toString());
        n.put("updated_at", Instant.ofEpochMilli(c.updatedAt()).toString());
        return n;
    }
}
