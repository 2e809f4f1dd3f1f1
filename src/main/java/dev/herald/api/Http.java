package dev.herald.api;

import dev.herald.projects.Principal;
import dev.herald.projects.Role;
import dev.herald.util.Ids;
import dev.herald.util.Json;
import dev.herald.util.JsonBody;
import dev.herald.util.Problem;
import io.javalin.http.Context;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
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
    private static final String BODY_TEXT = "herald.body-text";
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
        if (p == null) throw new ApiException(401, "unauthorized", Credentials.REQUIRED, null);
        if (!Set.of(roles).contains(p.role())) {
            throw new ApiException(403, "forbidden", "this API key's role " + p.role() + " cannot do this; needs " + Arrays.toString(roles), null);
        }
        return p;
    }

    /**
     * What every {@code /api} request must be before a route reads it: a query string that decodes,
     * and a body that is UTF-8 (declared so, or not declared at all) and decodes strictly, so a
     * malformed byte is refused rather than replaced with U+FFFD. A {@code message/rfc822} body (raw
     * mail for the HTTP inbox) is left to the mail parser.
     */
    static void checkRequest(Context ctx) {
        checkQuery(ctx.queryString());
        String type = ctx.header("Content-Type");
        // Raw mail (the HTTP inbox) is bytes in whatever charsets its parts declare: the mail parser reads it.
        if (type != null && type.toLowerCase(java.util.Locale.ROOT).startsWith(MailRoutes.RFC822)) return;
        String charset = type == null ? null : charset(type);
        if (charset != null && !charset.equalsIgnoreCase("utf-8") && !charset.equalsIgnoreCase("utf8")) {
            throw ApiException.invalid("Content-Type", "request bodies are UTF-8 JSON; charset '" + charset + "' is not supported");
        }
        byte[] body = ctx.bodyAsBytes();
        if (body.length > 0) ctx.attribute(BODY_TEXT, JsonBody.utf8(body));
    }

    /** The request body as text, decoded (strictly, once) by {@link #checkRequest}. */
    static String bodyText(Context ctx) {
        String text = ctx.attribute(BODY_TEXT);
        return text != null ? text : JsonBody.utf8(ctx.bodyAsBytes());
    }

    /**
     * Every {@code name=value} of a raw query string must percent-decode to UTF-8: a bad escape
     * ({@code %zz}) or bytes that are not UTF-8 ({@code %E0%A4}) are refused naming the parameter, where
     * a lenient decoder would drop the parameter or replace the bytes with U+FFFD.
     */
    static void checkQuery(String query) {
        if (query == null || query.isEmpty()) return;
        for (String pair : query.split("&")) {
            int eq = pair.indexOf('=');
            String rawName = eq < 0 ? pair : pair.substring(0, eq);
            String name = decode(rawName);
            String field = name == null ? rawName.substring(0, Math.min(rawName.length(), 100)) : name;
            if (name == null || decode(eq < 0 ? "" : pair.substring(eq + 1)) == null) {
                throw ApiException.invalid(field, "query parameter '" + field + "' is not properly encoded: percent-escapes (%XX) must form UTF-8");
            }
        }
    }

    /** Percent-decodes {@code s} (and {@code +} as space) as strict UTF-8; null when it cannot. */
    private static String decode(String s) {
        if (s.indexOf('%') < 0 && s.indexOf('+') < 0) return s;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '%') {
                if (i + 2 >= s.length()) return null;
                int hi = Character.digit(s.charAt(i + 1), 16);
                int lo = Character.digit(s.charAt(i + 2), 16);
                if (hi < 0 || lo < 0 || s.charAt(i + 1) > 'f' || s.charAt(i + 2) > 'f') return null;
                bytes.write(hi * 16 + lo);
                i += 2;
            } else if (c == '+') {
                bytes.write(' ');
            } else {
                // A character the client sent unescaped (Jetty has decoded it already): kept as it is.
                int cp = s.codePointAt(i);
                bytes.writeBytes(new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8));
                i += Character.charCount(cp) - 1;
            }
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes.toByteArray())).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    /** The {@code charset} parameter of a Content-Type, unquoted; null when there is none. */
    static String charset(String contentType) {
        for (String part : contentType.split(";")) {
            String p = part.strip();
            if (p.regionMatches(true, 0, "charset=", 0, 8)) {
                String v = p.substring(8).strip();
                if (v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"")) v = v.substring(1, v.length() - 1);
                return v;
            }
        }
        return null;
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
