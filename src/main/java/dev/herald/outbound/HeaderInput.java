package dev.herald.outbound;

import dev.herald.util.Problem;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Validates user-supplied HTTP headers (custom headers, auth headers): token names, printable ASCII
 * values without CR/LF (no header injection), bounded size, and a caller-given set of names the user may
 * not set.
 */
public final class HeaderInput {
    public static final Pattern TOKEN = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]{1,128}");
    /** Headers only the HTTP transport may set. */
    public static final Set<String> TRANSPORT = Set.of("content-length", "host", "transfer-encoding", "connection", "keep-alive", "te",
            "upgrade", "expect", "trailer", "proxy-connection");

    private HeaderInput() {}

    /**
     * Checks every entry; {@code refused} maps a lower-case name to the reason it cannot be set, or null
     * when it can. Errors name the field {@code <field>.<header name>}.
     */
    public static Map<String, String> check(Map<String, String> in, String field, int maxEntries, Function<String, String> refused) {
        if (in == null) return Map.of();
        if (in.size() > maxEntries) throw Problem.invalid(field, "'" + field + "' may have at most " + maxEntries + " entries");
        Map<String, String> out = new LinkedHashMap<>();
        Set<String> seen = new java.util.HashSet<>();
        for (Map.Entry<String, String> e : in.entrySet()) {
            String name = e.getKey();
            String f = field + "." + name;
            if (!TOKEN.matcher(name).matches()) throw Problem.invalid(f, "'" + name + "' is not a valid header name");
            String lower = name.toLowerCase(Locale.ROOT);
            if (!seen.add(lower)) throw Problem.invalid(f, "header '" + name + "' is given twice (names are case-insensitive)");
            String reason = TRANSPORT.contains(lower) ? "is set by the HTTP transport" : refused.apply(lower);
            if (reason != null) throw Problem.invalid(f, "'" + name + "' cannot be set here: it " + reason);
            out.put(name, value(e.getValue(), f));
        }
        return out;
    }

    /** A header value: printable ASCII (tab allowed), at most 4096 characters, no CR, LF or NUL. */
    public static String value(String v, String field) {
        if (v.length() > 4096) throw Problem.invalid(field, "header value must be at most 4096 characters");
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c == '\r' || c == '\n' || c == 0 || (c < 0x20 && c != '\t') || c == 0x7f) {
                throw Problem.invalid(field, "header value contains a control character (CR, LF or NUL)");
            }
            if (c > 0x7e) throw Problem.invalid(field, "header value must be printable ASCII");
        }
        return v;
    }
}
