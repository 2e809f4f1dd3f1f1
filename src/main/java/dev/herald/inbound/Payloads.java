package dev.herald.inbound;

import dev.herald.util.Json;
import dev.herald.util.Problem;
import java.time.Instant;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/** Reading providers' JSON: a payload Herald cannot read is a 400 naming the body, never a 500. */
final class Payloads {
    private Payloads() {}

    static JsonNode json(CallbackRequest r) {
        try {
            JsonNode n = Json.parse(r.body());
            if (n == null || n.isMissingNode()) throw new Problem(Problem.Kind.INVALID, "invalid_payload", "the callback body is empty", "body");
            return n;
        } catch (JacksonException e) {
            throw new Problem(Problem.Kind.INVALID, "invalid_payload", "the callback body is not valid JSON", "body");
        }
    }

    static Problem invalid(String message) {
        return new Problem(Problem.Kind.INVALID, "invalid_payload", message, "body");
    }

    /** A text field, or null when absent, null or not text. */
    static String text(JsonNode n, String field) {
        JsonNode v = n == null ? null : n.get(field);
        if (v == null || v.isNull()) return null;
        if (v.isString()) return v.asString();
        if (v.isNumber() || v.isBoolean()) return v.asString();
        return null;
    }

    /** Unix seconds (number or numeric text) as an instant, or null. */
    static Instant epochSeconds(JsonNode n, String field) {
        String t = text(n, field);
        if (t == null) return null;
        try {
            long s = Long.parseLong(t.trim());
            return s < 0 || s > 253_402_300_799L ? null : Instant.ofEpochSecond(s);
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
