package dev.herald.mail;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Date header, read leniently (RFC 5322 and its obsolete forms: comments, two-digit years, zone names,
 * missing seconds), with ISO-8601 as a last resort. Null when nothing sensible is there.
 */
final class MailDates {
    private static final Pattern COMMENT = Pattern.compile("\\([^()]*\\)");
    private static final Pattern RFC = Pattern.compile(
            "(?:[A-Za-z]{2,9},?\\s*)?(\\d{1,2})[\\s-]+([A-Za-z]{3})[A-Za-z]*\\.?[\\s-]+(\\d{2,4}),?\\s+(\\d{1,2}):(\\d{2})(?::(\\d{2}))?(?:\\.\\d{1,9})?"
                    + "\\s*(?:([+-])(\\d{2}):?(\\d{2})|([A-Za-z]{1,5}))?.*");
    private static final Map<String, Integer> MONTHS = Map.ofEntries(Map.entry("jan", 1), Map.entry("feb", 2), Map.entry("mar", 3),
            Map.entry("apr", 4), Map.entry("may", 5), Map.entry("jun", 6), Map.entry("jul", 7), Map.entry("aug", 8),
            Map.entry("sep", 9), Map.entry("oct", 10), Map.entry("nov", 11), Map.entry("dec", 12));
    private static final Map<String, Integer> ZONES = Map.ofEntries(Map.entry("ut", 0), Map.entry("gmt", 0), Map.entry("z", 0),
            Map.entry("utc", 0), Map.entry("est", -5), Map.entry("edt", -4), Map.entry("cst", -6), Map.entry("cdt", -5),
            Map.entry("mst", -7), Map.entry("mdt", -6), Map.entry("pst", -8), Map.entry("pdt", -7));

    private MailDates() {}

    static Instant parse(String value) {
        if (value == null) return null;
        String v = value.length() > 200 ? value.substring(0, 200) : value;
        v = COMMENT.matcher(v).replaceAll(" ").strip();
        Matcher m = RFC.matcher(v);
        try {
            if (m.matches()) return fromRfc(m);
            return OffsetDateTime.parse(v).toInstant().truncatedTo(ChronoUnit.SECONDS);
        } catch (DateTimeException | NumberFormatException e) {
            return null;
        }
    }

    private static Instant fromRfc(Matcher m) {
        Integer month = MONTHS.get(m.group(2).toLowerCase(Locale.ROOT));
        if (month == null) return null;
        int year = Integer.parseInt(m.group(3));
        if (m.group(3).length() == 2) year += year < 50 ? 2000 : 1900;
        else if (m.group(3).length() == 3) year += 1900;
        int seconds = m.group(6) == null ? 0 : Integer.parseInt(m.group(6));
        if (seconds == 60) seconds = 59; // a leap second
        LocalDateTime local = LocalDateTime.of(year, month, Integer.parseInt(m.group(1)),
                Integer.parseInt(m.group(4)), Integer.parseInt(m.group(5)), seconds);
        int offsetSeconds = 0;
        if (m.group(7) != null) {
            int h = Integer.parseInt(m.group(8));
            int min = Integer.parseInt(m.group(9));
            if (h > 18 || min > 59) return null;
            offsetSeconds = (h * 3600 + min * 60) * (m.group(7).equals("-") ? -1 : 1);
        } else if (m.group(10) != null) {
            offsetSeconds = ZONES.getOrDefault(m.group(10).toLowerCase(Locale.ROOT), 0) * 3600;
        }
        return local.toInstant(ZoneOffset.ofTotalSeconds(offsetSeconds));
    }
}
