package dev.herald.inbound;

import dev.herald.util.Json;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/**
 * The flat parameters of providers that send them as a query string (a GET), a form body or a flat JSON
 * object, as MessageBird's SMS status reports and Vonage's SMS webhooks do, depending on how the user set
 * the webhook's method up; and the times they write.
 */
final class CallbackParams {
    private static final DateTimeFormatter SPACED = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss", Locale.ROOT);

    private CallbackParams() {}

    /**
     * The query's parameters, then the body's (form fields, or a JSON object's text, number and boolean
     * members; JSON nulls are left out). Null when a name appears twice, or the body is neither: such a
     * request is ambiguous and signs nothing Herald can check.
     */
    static Map<String, String> read(CallbackRequest r) {
        Map<String, String> out = new LinkedHashMap<>();
        if (!addForm(out, r.rawQuery())) return null;
        if (r.body().length == 0) return out;
        String type = r.header("content-type");
        type = type == null ? "" : type.toLowerCase(Locale.ROOT);
        String text = r.bodyText();
        boolean json = type.contains("json") || (!type.contains("x-www-form-urlencoded") && text.stripLeading().startsWith("{"));
        if (!json) return addForm(out, text) ? out : null;
        JsonNode n;
        try {
            n = Json.parse(r.body());
        } catch (JacksonException e) {
            return null;
        }
        if (n == null || !n.isObject()) return null;
        for (Map.Entry<String, JsonNode> e : n.properties()) {
            JsonNode v = e.getValue();
            if (v.isNull()) continue;
            if (!v.isValueNode()) return null;
            if (out.putIfAbsent(e.getKey(), v.asString()) != null) return null;
        }
        return out;
    }

    private static boolean addForm(Map<String, String> out, String text) {
        for (Map.Entry<String, List<String>> e : CallbackRequest.form(text).entrySet()) {
            if (e.getValue().size() != 1 || out.putIfAbsent(e.getKey(), e.getValue().get(0)) != null) return false;
        }
        return true;
    }

    /** An ISO-8601 time with an offset ({@code 2019-01-11T09:17:11+00:00}, {@code ...Z}), or {@code 2020-01-01 12:00:00} read as UTC; null when neither. */
    static Instant time(String text) {
        if (text == null || text.isBlank()) return null;
        String t = text.trim();
        try {
            return OffsetDateTime.parse(t).toInstant();
        } catch (DateTimeParseException e) {
            try {
                return LocalDateTime.parse(t, SPACED).toInstant(ZoneOffset.UTC);
            } catch (DateTimeParseException e2) {
                return null;
            }
        }
    }

    /** "a (b)" from the parts present, or null when none is. */
    static String reason(String text, String code, String codeLabel) {
        boolean hasText = text != null && !text.isBlank();
        boolean hasCode = code != null && !code.isBlank();
        if (!hasText && !hasCode) return null;
        if (!hasCode) return text;
        return hasText ? text + " (" + codeLabel + " " + code + ")" : codeLabel + " " + code;
    }
}
