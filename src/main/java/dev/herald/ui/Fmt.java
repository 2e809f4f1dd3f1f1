package dev.herald.ui;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.List;
import tools.jackson.databind.JsonNode;

/** Formatting shared by the console's pages: times, durations, badges, table cells. All output is escaped. */
final class Fmt {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'").withZone(ZoneOffset.UTC);

    private Fmt() {}

    static String time(long millis) {
        return "<time datetime=\"" + Instant.ofEpochMilli(millis) + "\">" + TIME.format(Instant.ofEpochMilli(millis)) + "</time>";
    }

    /** An ISO-8601 time from an API view, or a dash for null. */
    static String time(JsonNode iso) {
        if (iso == null || iso.isNull() || iso.isMissingNode()) return "<span class=\"muted\">–</span>";
        try {
            return time(Instant.parse(iso.asString()).toEpochMilli());
        } catch (DateTimeParseException e) {
            return Html.text(iso.asString());
        }
    }

    static String age(long millis) {
        Duration d = Duration.ofMillis(millis);
        if (d.toSeconds() < 120) return d.toSeconds() + " s";
        if (d.toMinutes() < 120) return d.toMinutes() + " min";
        if (d.toHours() < 48) return d.toHours() + " h";
        return d.toDays() + " d";
    }

    static String badge(String status) {
        String s = status == null ? "" : status;
        return "<span class=\"status " + Html.esc(s) + "\">" + Html.text(s.replace('_', ' ')) + "</span>";
    }

    /** A JSON field as escaped text, or a dash for null or missing. */
    static String text(JsonNode n) {
        if (n == null || n.isNull() || n.isMissingNode()) return "<span class=\"muted\">–</span>";
        return Html.text(n.isString() ? n.asString() : n.toString());
    }

    /** A table with a header row; each row's cells carry their column name for the phone layout. Cells are HTML already. */
    static String table(String caption, List<String> columns, List<List<String>> rows) {
        StringBuilder b = new StringBuilder("<div class=\"table-wrap\"><table class=\"stack\">");
        if (caption != null) b.append("<caption class=\"hint\">").append(Html.text(caption)).append("</caption>");
        b.append("<thead><tr>");
        for (String c : columns) b.append("<th scope=\"col\">").append(Html.text(c)).append("</th>");
        b.append("</tr></thead><tbody>");
        for (List<String> row : rows) {
            b.append("<tr>");
            for (int i = 0; i < row.size(); i++) {
                b.append("<td data-label=\"").append(Html.esc(columns.get(i))).append("\">").append(row.get(i)).append("</td>");
            }
            b.append("</tr>");
        }
        return b.append("</tbody></table></div>").toString();
    }

    static String empty(String what) {
        return "<div class=\"card empty\"><p>" + Html.text(what) + "</p></div>";
    }

    static String link(String href, String label) {
        return "<a href=\"" + Html.esc(href) + "\">" + Html.text(label) + "</a>";
    }

    /** A text input with its label. */
    static String input(String name, String label, String type, String value, boolean required, String hint) {
        return "<div class=\"field\"><label for=\"" + name + "\">" + Html.text(label) + "</label><input type=\"" + type + "\" id=\"" + name + "\" name=\""
                + name + "\" value=\"" + Html.esc(value == null ? "" : value) + "\"" + (required ? " required" : "") + ">"
                + (hint == null ? "" : "<p class=\"hint\">" + Html.text(hint) + "</p>") + "</div>";
    }

    /** A secret shown once, with a copy button (shown by the script; without it the text can be selected). */
    static String secret(String id, String label, String value) {
        return "<div class=\"card\"><h2>" + Html.text(label) + "</h2><p class=\"notice warn\">Copy it now: Herald shows it only this once and stores it encrypted.</p>"
                + "<div class=\"secret\"><code id=\"" + id + "\">" + Html.text(value) + "</code>"
                + "<button type=\"button\" data-copy=\"" + id + "\" hidden>Copy</button></div></div>";
    }
}
