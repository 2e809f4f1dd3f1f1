package dev.herald.mail;

import java.io.ByteArrayOutputStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * RFC 2047 encoded words ({@code =?charset?B|Q?text?=}) decoded in one linear pass. White space between
 * two encoded words is dropped, and adjacent words in the same charset are decoded together, so a
 * multi-byte character split across words survives. A word in a charset Java lacks is read as UTF-8 and
 * flagged {@code unknown_charset}; a word that does not decode stays as written. (Mime4j's DecoderUtil
 * does the same job but looks up every charset name afresh, which hostile headers turn into seconds.)
 */
final class EncodedWords {
    private static final Pattern WORD = Pattern.compile("=\\?([^?\\s]{1,75})\\?([bBqQ])\\?([^?\\s]*)\\?=");

    private EncodedWords() {}

    static String decode(String value, Charsets charsets, Set<String> flags) {
        if (value == null || !value.contains("=?")) return value;
        StringBuilder out = new StringBuilder(value.length());
        ByteArrayOutputStream pending = new ByteArrayOutputStream();
        Charset pendingCharset = null;
        int pos = 0;
        int lastWordEnd = -1;
        Matcher m = WORD.matcher(value);
        while (m.find()) {
            String between = value.substring(pos, m.start());
            boolean joined = lastWordEnd == pos && between.isBlank();
            byte[] bytes = bytes(m.group(2), m.group(3));
            if (bytes == null) {
                flush(out, pending, pendingCharset);
                pendingCharset = null;
                out.append(between).append(m.group());
                lastWordEnd = -1;
                pos = m.end();
                continue;
            }
            Charset charset = charsets.find(m.group(1));
            if (charset == null) {
                flags.add("unknown_charset");
                charset = StandardCharsets.UTF_8;
            }
            if (!joined || !charset.equals(pendingCharset)) {
                flush(out, pending, pendingCharset);
                if (!joined) out.append(between);
            }
            pending.writeBytes(bytes);
            pendingCharset = charset;
            lastWordEnd = m.end();
            pos = m.end();
        }
        flush(out, pending, pendingCharset);
        out.append(value, pos, value.length());
        return out.toString().replace("\u0000", "");
    }

    private static void flush(StringBuilder out, ByteArrayOutputStream pending, Charset charset) {
        if (pending.size() == 0 || charset == null) return;
        out.append(new String(pending.toByteArray(), charset));
        pending.reset();
    }

    private static byte[] bytes(String encoding, String text) {
        if (encoding.equalsIgnoreCase("Q")) return q(text);
        StringBuilder b64 = new StringBuilder(text.length() + 3);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/') b64.append(c);
        }
        if (b64.length() % 4 == 1) b64.setLength(b64.length() - 1);
        while (b64.length() % 4 != 0) b64.append('=');
        try {
            return Base64.getDecoder().decode(b64.toString());
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static byte[] q(String text) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '_') {
                out.write(' ');
            } else if (c == '=' && i + 2 < text.length() && Character.digit(text.charAt(i + 1), 16) >= 0
                    && Character.digit(text.charAt(i + 2), 16) >= 0) {
                out.write(Character.digit(text.charAt(i + 1), 16) * 16 + Character.digit(text.charAt(i + 2), 16));
                i += 2;
            } else if (c < 0x80) {
                out.write(c);
            } else {
                out.writeBytes(String.valueOf(c).getBytes(StandardCharsets.UTF_8));
            }
        }
        return out.toByteArray();
    }
}
