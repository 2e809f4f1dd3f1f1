package dev.herald.api;

import dev.herald.projects.Principal;
import dev.herald.projects.Role;
import dev.herald.util.Json;
import dev.herald.util.Problem;
import io.javalin.http.Context;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** Small helpers shared by the routes: JSON responses, the caller, query parameters. */
public final class Http {
    static final String PRINCIPAL = "herald.principal";

    private Http() {}

    public static void json(Context ctx, int status, JsonNode body) {
        ctx.status(status).contentType("application/json").result(Json.write(body));
    }

    public static void json(Context ctx, int status, String body) {
        ctx.status(status).contentType("application/json").result(body);
    }

    /** The status a domain refusal is answered with. */
    static int status(Problem.Kind kind) {
        return switch (kind) {
            case INVALID -> 400;
            case NOT_FOUND -> 404;
            case CONFLICT -> 409;
            case TOO_LARGE -> 413;
            case UNPROCESSABLE -> 422;
        };
    }

    public static ObjectNode error(String code, String message, String field) {
        ObjectNode e = Json.object();
        e.put("code", code);
        e.put("message", message);
        if (field != null) e.put("field", field);
        ObjectNode root = Json.object();
        root.set("error", e);
        return root;
    }

    /** The authenticated caller, who must hold one of {@code roles}; otherwise 403. */
    public static Principal require(Context ctx, Role... roles) {
        Principal p = ctx.attribute(PRINCIPAL);
        if (p == null) throw new ApiException(401, "unauthorized", "an API key is required (Authorization: Bearer <key> or X-Api-Key)", null);
        if (!Set.of(roles).contains(p.role())) {
            throw new ApiException(403, "forbidden", "this API key's role " + p.role() + " cannot do this; needs " + Arrays.toString(roles), null);
        }
        return p;
    }

    public static int limit(Context ctx) {
        String v = ctx.queryParam("limit");
        if (v == null) return 50;
        try {
            int n = Integer.parseInt(v);
            if (n >= 1 && n <= 500) return n;
        } catch (NumberFormatException ignored) {
            // fall through to the error
        }
        throw ApiException.invalid("limit", "'limit' must be an integer between 1 and 500");
    }

    public static Long time(Context ctx, String name) {
        String v = ctx.queryParam(name);
        return v == null ? null : time(v, name);
    }

    public static Long time(String v, String field) {
        try {
            return Instant.parse(v).toEpochMilli();
        } catch (DateTimeParseException e) {
            throw ApiException.invalid(field, "'" + field + "' must be an ISO-8601 time like 2026-01-31T12:00:00Z");
        }
    }

    /** A UUID query parameter, checked; absent is null. */
    public static String uuid(Context ctx, String name) {
        String v = ctx.queryParam(name);
        if (v == null) return null;
        if (!dev.herald.util.Ids.isUuid(v)) throw ApiException.invalid(name, "'" + name + "' must be a UUID");
        return v;
    }
}
