package dev.herald.mail;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The new text of a reply: the quoted history and the signature removed. Cut at the first of: a signature
 * delimiter ({@code "-- "}), an {@code -----Original Message-----} separator, an Outlook header block
 * ({@code From:} followed within a few lines by {@code Sent:}/{@code Date:}, with a preceding
 * {@code ____} rule), or an attribution ({@code On ... wrote:}, also wrapped over two lines, as Gmail and
 * Apple Mail write it) whose quote is not interleaved with answers. Then every {@code >} line goes, and a
 * trailing "Sent from my ..." line. Lines longer than 1,000 characters are never taken for markers.
 */
final class ReplyText {
    private static final String ATTR_START = "(?:On|Am|Le|El|Il|Op|Em|Den|På|W dniu)\\s";
    private static final String ATTR_END = "(?:wrote|schrieb|a écrit|escribió|ha scritto|schreef|escreveu|skrev|napisał)\\s*:\\s*";
    private static final Pattern ATTRIBUTION = Pattern.compile(ATTR_START + ".*" + ATTR_END, Pattern.CASE_INSENSITIVE);
    private static final Pattern ATTRIBUTION_START = Pattern.compile(ATTR_START + ".*", Pattern.CASE_INSENSITIVE);
    private static final Pattern ATTRIBUTION_END = Pattern.compile(".*" + ATTR_END, Pattern.CASE_INSENSITIVE);
    private static final Pattern ORIGINAL = Pattern.compile(
            "-{2,}\\s*(?:Original Message|Ursprüngliche Nachricht|Message d'origine|Mensaje original|Messaggio originale|Oorspronkelijk bericht)\\s*-{2,}",
            Pattern.CASE_INSENSITIVE);
    private static final Pattern OUTLOOK_FROM = Pattern.compile("\\*?(?:From|De|Von|Van|Da|Från)\\s*:\\*?\\s.*", Pattern.CASE_INSENSITIVE);
    private static final Pattern OUTLOOK_SENT = Pattern.compile("\\*?(?:Sent|Date|Envoyé|Gesendet|Datum|Enviado|Inviato|Skickat)\\s*:\\*?\\s.*",
            Pattern.CASE_INSENSITIVE);
    private static final Pattern RULE = Pattern.compile("_{10,}|-{10,}");
    private static final Pattern SENT_FROM = Pattern.compile(
            "(?:Sent from my .*|Sent from (?:Mail|Outlook|Yahoo Mail) for .*|Get Outlook for .*|Sent from Outlook|Von meinem .* gesendet\\.?)",
            Pattern.CASE_INSENSITIVE);
    private static final int MAX_MARKER_LINE = 1000;

    private ReplyText() {}

    static String strip(String text) {
        if (text == null) return null;
        String[] lines = text.split("\n", -1);
        boolean[] drop = new boolean[lines.length];
        boolean[] interleaved = interleavedBelow(lines);
        int cut = lines.length;
        for (int i = 0; i < lines.length; i++) {
            String l = lines[i];
            if (l.length() > MAX_MARKER_LINE) continue;
            String s = l.strip();
            if (l.equals("-- ") || l.equals("--") || ORIGINAL.matcher(s).matches()) {
                cut = i;
                break;
            }
            if (outlookHeader(lines, i)) {
                cut = i;
                int prev = previousNonBlank(lines, i);
                if (prev >= 0 && RULE.matcher(lines[prev].strip()).matches()) cut = prev;
                break;
            }
            int attr = attribution(lines, i);
            if (attr > 0) {
                if (!interleaved[i + attr]) {
                    cut = i;
                    break;
                }
                for (int k = i; k < i + attr; k++) drop[k] = true;
                i += attr - 1;
            }
        }
        List<String> kept = new ArrayList<>();
        for (int i = 0; i < cut; i++) {
            if (!drop[i] && !lines[i].stripLeading().startsWith(">")) kept.add(lines[i]);
        }
        trimTrailing(kept);
        if (!kept.isEmpty() && kept.get(kept.size() - 1).length() <= MAX_MARKER_LINE
                && SENT_FROM.matcher(kept.get(kept.size() - 1).strip()).matches()) {
            kept.remove(kept.size() - 1);
            trimTrailing(kept);
        }
        while (!kept.isEmpty() && kept.get(0).isBlank()) kept.remove(0);
        return String.join("\n", kept).stripTrailing();
    }

    private static void trimTrailing(List<String> lines) {
        while (!lines.isEmpty() && lines.get(lines.size() - 1).isBlank()) lines.remove(lines.size() - 1);
    }

    private static int previousNonBlank(String[] lines, int i) {
        for (int k = i - 1; k >= 0; k--) if (!lines[k].isBlank()) return k;
        return -1;
    }

    /** 1 or 2 (the lines an attribution takes), else 0. */
    private static int attribution(String[] lines, int i) {
        String s = lines[i].strip();
        if (ATTRIBUTION.matcher(s).matches()) return 1;
        if (i + 1 < lines.length && lines[i + 1].length() <= MAX_MARKER_LINE && ATTRIBUTION_START.matcher(s).matches()
                && ATTRIBUTION_END.matcher(lines[i + 1].strip()).matches()) return 2;
        // "John <john@example.com> wrote:" directly above a quote
        if (s.endsWith("wrote:") && i + 1 < lines.length) {
            int k = i + 1;
            while (k < lines.length && lines[k].isBlank()) k++;
            if (k < lines.length && lines[k].stripLeading().startsWith(">")) return 1;
        }
        return 0;
    }

    private static boolean outlookHeader(String[] lines, int i) {
        if (!OUTLOOK_FROM.matcher(lines[i].strip()).matches()) return false;
        for (int k = i + 1; k < Math.min(lines.length, i + 6); k++) {
            if (lines[k].length() <= MAX_MARKER_LINE && OUTLOOK_SENT.matcher(lines[k].strip()).matches()) return true;
        }
        return false;
    }

    /**
     * For each line: do answers follow quoted lines at or below it (an inline reply, whose quote must not be
     * cut whole)? Computed bottom-up in one pass; a signature delimiter ends the search.
     */
    private static boolean[] interleavedBelow(String[] lines) {
        boolean[] result = new boolean[lines.length + 1];
        boolean textBelow = false;
        for (int k = lines.length - 1; k >= 0; k--) {
            String l = lines[k];
            if (l.equals("-- ") || l.equals("--")) {
                textBelow = false;
                result[k] = false;
                continue;
            }
            boolean quoted = l.stripLeading().startsWith(">");
            result[k] = (quoted && textBelow) || result[k + 1];
            if (!quoted && !l.isBlank()) textBelow = true;
        }
        return result;
    }
}
