package dev.herald.mail;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * HTML to plain text for the reply text of HTML-only mail: tags dropped, {@code script}, {@code style},
 * {@code head} and {@code title} skipped, block elements and {@code <br>} break lines, text inside
 * {@code <blockquote>} is prefixed with {@code "> "} per level (so quoted history is recognisable),
 * white space collapsed outside {@code <pre>}, common entities decoded. One linear pass, no regular expressions.
 */
final class HtmlText {
    private static final Set<String> SKIP = Set.of("script", "style", "head", "title", "template");
    private static final Set<String> BLOCK = Set.of("p", "div", "tr", "li", "ul", "ol", "table", "h1", "h2", "h3", "h4", "h5", "h6",
            "blockquote", "pre", "hr", "section", "article", "header", "footer", "address", "dl", "dt", "dd");
    private static final Map<String, String> ENTITIES = Map.ofEntries(Map.entry("amp", "&"), Map.entry("lt", "<"),
            Map.entry("gt", ">"), Map.entry("quot", "\""), Map.entry("apos", "'"), Map.entry("nbsp", " "),
            Map.entry("ndash", "\u2013"), Map.entry("mdash", "\u2014"), Map.entry("hellip", "\u2026"),
            Map.entry("rsquo", "\u2019"), Map.entry("lsquo", "\u2018"), Map.entry("rdquo", "\u201d"), Map.entry("ldquo", "\u201c"),
            Map.entry("copy", "\u00a9"), Map.entry("reg", "\u00ae"), Map.entry("euro", "\u20ac"));

    /** Deeper quotes get no more markers: a prefix per level per line would grow quadratically with hostile nesting. */
    private static final int MAX_QUOTE_PREFIX = 8;

    private final List<String> lines = new ArrayList<>();
    private final StringBuilder line = new StringBuilder();
    private int quoteDepth;
    private int lineDepth = -1;
    private int pre;
    private boolean pendingSpace;

    private HtmlText() {}

    static String toText(String html) {
        if (html == null) return null;
        HtmlText t = new HtmlText();
        t.run(html);
        return t.result();
    }

    private void run(String h) {
        int i = 0;
        int n = h.length();
        while (i < n) {
            char c = h.charAt(i);
            if (c != '<') {
                int next = h.indexOf('<', i);
                if (next < 0) next = n;
                text(h.substring(i, next));
                i = next;
                continue;
            }
            if (h.startsWith("<!--", i)) {
                int end = h.indexOf("-->", i + 4);
                i = end < 0 ? n : end + 3;
                continue;
            }
            int end = h.indexOf('>', i + 1);
            if (end < 0) {
                text(h.substring(i));
                break;
            }
            String tag = h.substring(i + 1, end);
            i = end + 1;
            boolean closing = tag.startsWith("/");
            String name = tagName(closing ? tag.substring(1) : tag);
            if (!closing && SKIP.contains(name)) {
                i = skipTo(h, i, name);
            } else if (name.equals("br")) {
                newline();
            } else if (BLOCK.contains(name)) {
                newline();
                if (name.equals("blockquote")) quoteDepth = Math.max(0, quoteDepth + (closing ? -1 : 1));
                if (name.equals("pre")) pre = Math.max(0, pre + (closing ? -1 : 1));
            }
        }
        newline();
    }

    private static String tagName(String tag) {
        int j = 0;
        while (j < tag.length() && (Character.isLetterOrDigit(tag.charAt(j)))) j++;
        return tag.substring(0, j).toLowerCase(Locale.ROOT);
    }

    /** The index after {@code </name ...>}, or the end of the document. */
    private static int skipTo(String h, int from, String name) {
        String close = "</" + name;
        for (int k = h.indexOf("</", from); k >= 0; k = h.indexOf("</", k + 2)) {
            if (h.regionMatches(true, k, close, 0, close.length())) {
                int gt = h.indexOf('>', k);
                return gt < 0 ? h.length() : gt + 1;
            }
        }
        return h.length();
    }

    private void text(String raw) {
        String s = entities(raw);
        for (int k = 0; k < s.length(); k++) {
            char c = s.charAt(k);
            if (pre > 0 && c == '\n') {
                newline();
            } else if (pre == 0 && (Character.isWhitespace(c) || c == '\u00a0')) {
                pendingSpace = line.length() > 0;
            } else {
                if (line.length() == 0 && lineDepth < 0) lineDepth = quoteDepth;
                if (pendingSpace) line.append(' ');
                pendingSpace = false;
                line.append(c == '\u00a0' ? ' ' : c);
            }
        }
    }

    private void newline() {
        String l = line.toString().stripTrailing();
        if (!l.isEmpty()) {
            lines.add("> ".repeat(Math.min(MAX_QUOTE_PREFIX, Math.max(0, lineDepth))) + l);
        } else if (!lines.isEmpty() && !lines.get(lines.size() - 1).isEmpty()) {
            lines.add("");
        }
        line.setLength(0);
        lineDepth = -1;
        pendingSpace = false;
    }

    private String result() {
        return String.join("\n", lines).strip();
    }

    private static String entities(String s) {
        if (s.indexOf('&') < 0) return s;
        StringBuilder out = new StringBuilder(s.length());
        int i = 0;
        while (i < s.length()) {
            char c = s.charAt(i);
            int semi = c == '&' ? s.indexOf(';', i) : -1;
            if (semi > i + 1 && semi - i <= 10) {
                String name = s.substring(i + 1, semi);
                String decoded = entity(name);
                if (decoded != null) {
                    out.append(decoded);
                    i = semi + 1;
                    continue;
                }
            }
            out.append(c);
            i++;
        }
        return out.toString();
    }

    private static String entity(String name) {
        try {
            if (name.startsWith("#x") || name.startsWith("#X")) return Character.toString(Integer.parseInt(name.substring(2), 16));
            if (name.startsWith("#")) return Character.toString(Integer.parseInt(name.substring(1)));
        } catch (IllegalArgumentException e) {
            return null;
        }
        return ENTITIES.get(name.toLowerCase(Locale.ROOT));
    }
}
