package dev.herald.customeremail;

import dev.herald.util.Json;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/**
 * Characters a reviewer cannot see but that change what they read: bidirectional overrides and isolates
 * ({@code U+202A}–{@code U+202E}, {@code U+2066}–{@code U+2069}, {@code U+200E}, {@code U+200F},
 * {@code U+061C}), zero-width characters ({@code U+200B}–{@code U+200D}, {@code U+2060}, {@code U+FEFF}),
 * every other format character (Unicode category Cf: soft hyphen, invisible operators, tag characters
 * ...), the line and paragraph separators, and the blank Hangul fillers. With them the subject
 * "Refund of " + U+202E + "001$" + U+202C reads "Refund of $100". The review page shows each one as a marked
 * {@code <U+202E>} token and flags the draft; the API lists them per field.
 */
public final class InvisibleCharacters {
    /** The payload fields a reviewer reads, as JSON pointers and API names. */
    private static final String[][] FIELDS = {{"/customer/name", "customer.name"}, {"/customer/id", "customer.id"},
        {"/email/subject", "email.subject"}, {"/email/body", "email.body"}};

    private InvisibleCharacters() {}

    /** What one field of a draft holds that cannot be seen: the field and its characters as {@code U+XXXX}, each once, in order of appearance. */
    public record Finding(String field, List<String> characters) {}

    public static boolean isInvisible(int cp) {
        return Character.getType(cp) == Character.FORMAT
                || cp == 0x2028 || cp == 0x2029 // line and paragraph separators
                || cp == 0x115F || cp == 0x1160 || cp == 0x3164 || cp == 0xFFA0; // Hangul fillers: letters that render as nothing
    }

    /** {@code U+202E} for U+202E. */
    public static String name(int cp) {
        return "U+" + String.format(Locale.ROOT, "%04X", cp);
    }

    /** The invisible characters of {@code s}, each once, as {@code U+XXXX}. */
    public static List<String> in(String s) {
        Set<String> out = new LinkedHashSet<>();
        s.codePoints().filter(InvisibleCharacters::isInvisible).forEach(cp -> out.add(name(cp)));
        return List.copyOf(out);
    }

    /** Every field of the draft's payload that holds invisible characters; empty when there is none. */
    public static List<Finding> in(CustomerEmail e) {
        JsonNode p = Json.parse(new String(e.payload(), StandardCharsets.UTF_8));
        List<Finding> out = new ArrayList<>();
        for (String[] f : FIELDS) {
            JsonNode v = p.at(f[0]);
            if (!v.isString()) continue;
            List<String> found = in(v.asString());
            if (!found.isEmpty()) out.add(new Finding(f[1], found));
        }
        return out;
    }
}
