package dev.herald.mail;

import java.nio.charset.Charset;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.apache.james.mime4j.util.CharsetUtil;

/**
 * Charset names as one message gives them, each looked up once. Hazard: looking up a name the JDK does not
 * know walks every charset provider (tens of microseconds each), so a hostile header with thousands of
 * invented names would cost seconds; after {@value #MAX_LOOKUPS} distinct names every new one is unknown.
 */
final class Charsets {
    private static final int MAX_LOOKUPS = 64;
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9!#$%&+^_`{}~.:()-]{1,64}");
    private final Map<String, Optional<Charset>> cache = new HashMap<>();

    /** The charset, or null when the name is unknown (or malformed, or over the budget). */
    Charset find(String name) {
        if (name == null) return null;
        String n = name.strip().replace("\"", "").replace("'", "");
        int star = n.indexOf('*'); // RFC 2231 language suffix: utf-8*en
        if (star >= 0) n = n.substring(0, star);
        n = n.toLowerCase(Locale.ROOT);
        if (!NAME.matcher(n).matches()) return null;
        Optional<Charset> known = cache.get(n);
        if (known != null) return known.orElse(null);
        if (cache.size() >= MAX_LOOKUPS) return null;
        Charset found;
        try {
            found = CharsetUtil.lookup(n);
        } catch (RuntimeException e) {
            found = null;
        }
        cache.put(n, Optional.ofNullable(found));
        return found;
    }
}
