package dev.herald.mail;

import java.util.Map;

/** Attachment file names that are safe to show and to save: no directories, no control characters. */
final class Filenames {
    private static final int MAX = 255;
    private static final Map<String, String> EXTENSIONS = Map.ofEntries(Map.entry("application/pdf", "pdf"),
            Map.entry("image/png", "png"), Map.entry("image/jpeg", "jpg"), Map.entry("image/gif", "gif"),
            Map.entry("image/webp", "webp"), Map.entry("image/svg+xml", "svg"), Map.entry("text/plain", "txt"),
            Map.entry("text/html", "html"), Map.entry("text/csv", "csv"), Map.entry("text/calendar", "ics"),
            Map.entry("message/rfc822", "eml"), Map.entry("message/delivery-status", "txt"),
            Map.entry("text/rfc822-headers", "txt"), Map.entry("application/zip", "zip"),
            Map.entry("application/json", "json"), Map.entry("application/xml", "xml"), Map.entry("text/xml", "xml"),
            Map.entry("application/pgp-signature", "asc"), Map.entry("application/pkcs7-signature", "p7s"));

    private static final java.util.regex.Pattern MIME_TYPE =
            java.util.regex.Pattern.compile("[a-z0-9][a-z0-9!#$&^_.+-]{0,126}/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}");

    private Filenames() {}

    /** A lower-case {@code type/subtype} of RFC 6838 characters, else {@code application/octet-stream}. */
    static String contentType(String type) {
        if (type == null) return "application/octet-stream";
        String t = type.strip().toLowerCase(java.util.Locale.ROOT);
        return MIME_TYPE.matcher(t).matches() ? t : "application/octet-stream";
    }

    /** The last path segment without control characters, trimmed and capped; null when nothing usable is left. */
    static String sanitize(String name) {
        if (name == null) return null;
        String n = name;
        int slash = Math.max(n.lastIndexOf('/'), n.lastIndexOf('\\'));
        if (slash >= 0) n = n.substring(slash + 1);
        StringBuilder out = new StringBuilder(n.length());
        n.codePoints().filter(c -> !Character.isISOControl(c) && c != 0x2028 && c != 0x2029).forEach(out::appendCodePoint);
        String s = out.toString().strip();
        while (s.startsWith(".")) s = s.substring(1); // no hidden files, no ".."
        s = s.strip();
        if (s.isEmpty()) return null;
        if (s.length() > MAX) {
            int dot = s.lastIndexOf('.');
            String ext = dot > 0 && s.length() - dot <= 16 ? s.substring(dot) : "";
            int end = MAX - ext.length();
            if (Character.isHighSurrogate(s.charAt(end - 1))) end--;
            s = s.substring(0, end) + ext;
        }
        return s;
    }

    static String synthesize(int index, String mimeType) {
        return "part-" + index + "." + EXTENSIONS.getOrDefault(mimeType, "bin");
    }
}
