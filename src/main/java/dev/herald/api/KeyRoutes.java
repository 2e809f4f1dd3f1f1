package dev.herald.api;

import dev.herald.projects.ApiKeys;
import dev.herald.projects.Principal;
import dev.herald.projects.Role;
import dev.herald.util.JsonBody;
import io.javalin.config.RoutesConfig;
import java.util.Arrays;
import java.util.Set;

/** {@code POST /api/v1/api-keys}: a new key for the caller's project, returned once. */
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
    }
}
