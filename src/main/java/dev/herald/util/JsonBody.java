package dev.herald.util;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import tools.jackson.core.JacksonException;
import tools.jackson.core.TokenStreamLocation;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A request's JSON object, read field by field. Every problem is an {@link Problem} naming the
 * field; unknown fields are rejected so a typo ({@code "retry_shedule"}) is not silently ignored.
 * Request bytes are decoded as strict UTF-8 ({@link #utf8}): a malformed sequence is refused, never
 * replaced with U+FFFD, so what Herald stores and signs is what the caller sent. Parse errors are told
 * in plain words with a line and column; the JSON library's class and setting names never reach the caller.
 */
public final class JsonBody {
    /** What marks a parser message as internal: a quoted identifier, a dotted class name, an exception type. */
    private static final Pattern INTERNAL = Pattern.compile("`|\\b[a-z]\\w*\\.[a-z]\\w*\\.|Exception|\\bjava\\b|jackson|Source:", Pattern.CASE_INSENSITIVE);

    private final ObjectNode node;
    private final String prefix;

    private JsonBody(ObjectNode node, String prefix) {
        this.node = node;
        this.prefix = prefix;
    }

    public static JsonBody parse(String text, Set<String> allowed) {
        if (text == null || text.isBlank()) throw Problem.invalid(null, "request body must be a JSON object");
        JsonNode n;
        try {
            n = Json.parse(text);
        } catch (JacksonException e) {
            throw Problem.invalid(null, "request body is not valid JSON: " + plain(e));
        } catch (NumberFormatException | ArithmeticException e) {
            // A number past what the parser may hold (1e999999999999): Jackson raises this without wrapping it.
            throw Problem.invalid(null, "request body is not valid JSON: a number is out of range (exponent or digits too large)");
        }
        if (!(n instanceof ObjectNode o)) throw Problem.invalid(null, "request body must be a JSON object");
        return new JsonBody(o, "").only(allowed);
    }

    /** The request's bytes as a JSON object: decoded as strict UTF-8, then parsed as {@link #parse(String, Set)}. */
    public static JsonBody parse(byte[] raw, Set<String> allowed) {
        return parse(utf8(raw), allowed);
    }

    /**
     * The request body's bytes as text, refusing any byte sequence that is not UTF-8 (a stray
     * {@code 0xFF}, an encoded surrogate such as {@code ED A0 80}, an overlong form such as
     * {@code C0 AF}, a truncated sequence) with a 400 that says where.
     */
    public static String utf8(byte[] raw) {
        CharsetDecoder strict = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(raw);
        try {
            return strict.decode(in).toString();
        } catch (MalformedInputException e) {
            throw Problem.invalid(null, "request body is not valid UTF-8: malformed bytes at offset " + in.position());
        } catch (CharacterCodingException e) {
            throw Problem.invalid(null, "request body is not valid UTF-8");
        }
    }

    /**
     * The parser's complaint in plain words, with where it happened: the library's own message without
     * its internal references (the setting behind a limit, the source description), or a generic one
     * when what remains would still name its internals.
     */
    static String plain(JacksonException e) {
        String m = e.getOriginalMessage() == null ? "" : e.getOriginalMessage();
        m = m.replaceAll(",? from `[^`]*`", "");
        int cut = m.indexOf(" (start marker at");
        if (cut >= 0) m = m.substring(0, cut);
        cut = m.indexOf("[Source:");
        if (cut >= 0) m = m.substring(0, cut);
        m = m.strip();
        if (m.isEmpty() || m.length() > 300 || INTERNAL.matcher(m).find()) m = "malformed JSON";
        TokenStreamLocation at = e.getLocation();
        if (at != null && at.getLineNr() > 0) m += " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")";
        return m;
    }

    /** An empty body is treated as {@code {}}. */
    public static JsonBody parseOptional(String text, Set<String> allowed) {
        return text == null || text.isBlank() ? new JsonBody(Json.object(), "") : parse(text, allowed);
    }

    public static JsonBody of(ObjectNode node, String prefix) {
        return new JsonBody(node, prefix);
    }

    public JsonBody only(Set<String> allowed) {
        for (Iterator<String> it = node.propertyNames().iterator(); it.hasNext(); ) {
            String name = it.next();
            if (!allowed.contains(name)) throw Problem.invalid(path(name), "unknown field '" + path(name) + "'");
        }
        return this;
    }

    /** Where this object sits in the request, e.g. {@code connection_details.http}; empty at the top. */
    public String prefix() {
        return prefix;
    }

    public String path(String name) {
        return prefix.isEmpty() ? name : prefix + "." + name;
    }

    public boolean has(String name) {
        return node.has(name);
    }

    public JsonNode raw(String name) {
        return node.get(name);
    }

    public String string(String name, boolean required) {
        JsonNode v = node.get(name);
        if (v == null || v.isNull()) {
            if (required) throw Problem.invalid(path(name), "'" + path(name) + "' is required");
            return null;
        }
        if (!v.isString()) throw Problem.invalid(path(name), "'" + path(name) + "' must be a string");
        return noNul(path(name), v.asString());
    }

    /**
     * Text Herald stores must not hold U+0000: PostgreSQL's text type cannot, and no header, name or
     * subject needs it. (Event data is stored as the JSON bytes, where it stays escaped, so it may.)
     */
    private static String noNul(String field, String s) {
        if (s.indexOf('\u0000') >= 0) throw Problem.invalid(field, "'" + field + "' must not contain the NUL character (U+0000)");
        return s;
    }

    public Boolean bool(String name) {
        JsonNode v = node.get(name);
        if (v == null || v.isNull()) return null;
        if (!v.isBoolean()) throw Problem.invalid(path(name), "'" + path(name) + "' must be true or false");
        return v.booleanValue();
    }

    public Integer integer(String name, int min, int max) {
        JsonNode v = node.get(name);
        if (v == null || v.isNull()) return null;
        if (!v.isIntegralNumber() || !v.canConvertToInt()) throw Problem.invalid(path(name), "'" + path(name) + "' must be an integer");
        int i = v.intValue();
        if (i < min || i > max) throw Problem.invalid(path(name), "'" + path(name) + "' must be between " + min + " and " + max);
        return i;
    }

    public List<String> strings(String name) {
        JsonNode v = node.get(name);
        if (v == null || v.isNull()) return null;
        if (!v.isArray()) throw Problem.invalid(path(name), "'" + path(name) + "' must be an array of strings");
        List<String> out = new ArrayList<>();
        for (JsonNode e : v) {
            if (!e.isString()) throw Problem.invalid(path(name), "'" + path(name) + "' must contain only strings");
            out.add(noNul(path(name), e.asString()));
        }
        return out;
    }

    public Map<String, String> stringMap(String name) {
        JsonNode v = node.get(name);
        if (v == null || v.isNull()) return null;
        if (!(v instanceof ObjectNode o)) throw Problem.invalid(path(name), "'" + path(name) + "' must be an object of strings");
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : o.properties()) {
            if (!e.getValue().isString()) {
                throw Problem.invalid(path(name) + "." + e.getKey(), "'" + path(name) + "." + e.getKey() + "' must be a string");
            }
            out.put(noNul(path(name), e.getKey()), noNul(path(name) + "." + e.getKey(), e.getValue().asString()));
        }
        return out;
    }

    public JsonBody object(String name, Set<String> allowed) {
        JsonNode v = node.get(name);
        if (v == null || v.isNull()) return null;
        if (!(v instanceof ObjectNode o)) throw Problem.invalid(path(name), "'" + path(name) + "' must be an object");
        return new JsonBody(o, path(name)).only(allowed);
    }
}
