package dev.herald.api;

import dev.herald.projects.ApiKeys;
import dev.herald.projects.Principal;
import dev.herald.projects.Role;
import dev.herald.util.Ids;
import dev.herald.util.Json;
import dev.herald.util.JsonBody;
import io.javalin.config.RoutesConfig;
import java.util.Arrays;
import java.util.Set;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code /api/v1/api-keys} (CLIENT_ADMIN): create a key for the caller's project (its value returned
 * once), list the project's keys (never their values), revoke one. The project's last CLIENT_ADMIN key
 * cannot be revoked here.
 */
final class KeyRoutes {
    private final ApiKeys keys;

    KeyRoutes(ApiKeys keys) {
        this.keys = keys;
    }

    void register(RoutesConfig r) {
        r.post("/api/v1/api-keys", ctx -> {
            Principal p = Http.require(ctx, Role.CLIENT_ADMIN);
            JsonBody b = JsonBody.parse(ctx.body(), Set.of("name", "role"));
            String name = b.string("name", true);
            if (name.isBlank() || name.length() > 200) throw ApiException.invalid("name", "'name' must be 1 to 200 characters");
            String roleText = b.string("role", true);
            Role role = Role.parse(roleText).orElseThrow(() -> ApiException.invalid("role", "'role' must be one of " + Arrays.toString(Role.values())));
            Http.json(ctx, 201, keys.create(p.projectId(), name.trim(), role).json());
        });
        r.get("/api/v1/api-keys", ctx -> {
            Principal p = Http.require(ctx, Role.CLIENT_ADMIN);
            String cursor = ctx.queryParam("cursor");
            if (cursor != null && !Ids.isUuid(cursor)) throw ApiException.invalid("cursor", "'cursor' must be the next_cursor of a previous page");
            ApiKeys.Page page = keys.list(p.projectId(), cursor, Http.limit(ctx));
            ObjectNode out = Json.object();
            ArrayNode data = out.putArray("data");
            page.keys().forEach(k -> data.add(k.json()));
            out.put("next_cursor", page.nextCursor());
            Http.json(ctx, 200, out);
        });
        r.delete("/api/v1/api-keys/{id}", ctx -> {
            Principal p = Http.require(ctx, Role.CLIENT_ADMIN);
            keys.revoke(p.projectId(), Http.id(ctx), p.keyId());
            ctx.status(204);
        });
    }
}
