package dev.herald.api;

import dev.herald.projects.Principal;
import dev.herald.projects.Role;
import dev.herald.util.Ids;
import dev.herald.util.Json;
import dev.herald.util.Problem;
import io.javalin.http.Context;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.Locale;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Small helpers shared by the routes: JSON responses, the caller, and every query, path and body
 * parameter that is a time, a number or an id. Each parser refuses what it cannot represent exactly
 * (a year past 9999, an integer past its range, a digit that is not ASCII) with a 400 naming the
 * parameter, so no value reaches arithmetic that could overflow.
 */
public final class Http {
    static final String PRINCIPAL = "herald.principal";
    /** The earliest and latest time a parameter may name: RFC 3339's four-digit years. */
    static final Instant MIN_TIME = Instant.parse("0000-01-01T00:00:00Z");
    static final Instant MAX_TIME = Instant.parse("9999-12-31T23:59:59.999Z");

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

    /** The {@code limit} query parameter: 1 to 500 in ASCII digits, default 50. */
    public static int limit(Context ctx) {
        String v = ctx.queryParam("limit");
        if (v == null) return 50;
        if (v.length() <= 3 && !v.isEmpty() && v.chars().allMatch(c -> c >= '0' && c <= '9')) {
            int n = Integer.parseInt(v);
            if (n >= 1 && n <= 500) return n;
        }
        throw ApiException.invalid("limit", "'limit' must be an integer between 1 and 500");
    }

    /** A time query parameter, checked; absent is null. */
    public static Long time(Context ctx, String name) {
        String v = ctx.queryParam(name);
        return v == null ? null : time(v, name);
    }

    /** An ISO-8601 time in epoch milliseconds, between the years 0000 and 9999; else a 400 naming {@code field}. */
    public static Long time(String v, String field) {
        Instant t;
        try {
            t = Instant.parse(v);
        } catch (DateTimeParseException e) {
            throw ApiException.invalid(field, "'" + field + "' must be an ISO-8601 time like 2026-01-31T12:00:00Z");
        }
        if (t.isBefore(MIN_TIME) || t.isAfter(MAX_TIME)) {
            throw ApiException.invalid(field, "'" + field + "' must be a time between " + MIN_TIME + " and " + MAX_TIME);
        }
        return t.toEpochMilli();
    }

    /** A UUID query parameter, checked and in lower case (ids are case-insensitive); absent is null. */
    public static String uuid(Context ctx, String name) {
        String v = ctx.queryParam(name);
        return v == null ? null : uuid(v, name);
    }

    /** A UUID from a query or body field, in lower case; anything else is a 400 naming {@code field}. */
    public static String uuid(String v, String field) {
        String id = v.toLowerCase(Locale.ROOT);
        if (!Ids.isUuid(id)) throw ApiException.invalid(field, "'" + field + "' must be a UUID");
        return id;
    }

    /**
     * The {@code {id}} path parameter: a UUID in any case comes back in lower case, so
     * {@code /webhooks/01A2...} finds the same webhook as {@code /webhooks/01a2...}; anything else is
     * returned as given, for the service to answer 404.
     */
    public static String id(Context ctx) {
        return idOrName(ctx.pathParam("id"));
    }

    /** A parameter that may be an id (or a cursor, which is one): an id in any case comes back in lower case, anything else as given. */
    public static String idOrName(String v) {
        return Ids.canonical(v);
    }
}
