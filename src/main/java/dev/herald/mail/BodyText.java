package dev.herald.mail;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Set;

/**
 * Text from body bytes in their declared charset. No charset or US-ASCII with 8-bit bytes reads as UTF-8
 * when the bytes are valid UTF-8, else as windows-1252; ISO-8859-1 reads as windows-1252 (what senders
 * mean, as browsers assume too); a charset Java lacks reads as UTF-8 or ISO-8859-1 and flags
 * {@code unknown_charset}. Line breaks become {@code \n}; NUL characters and a leading BOM are dropped.
 */
final class BodyText {
    private static final Charset WINDOWS_1252 = Charset.forName("windows-1252");

    private BodyText() {}

    static String decode(byte[] bytes, String declared, Charsets charsets, Set<String> flags) {
        String cs = declared == null ? "" : declared.strip().replace("\"", "").replace("'", "").toLowerCase(Locale.ROOT);
        String text;
        if (cs.isEmpty() || cs.equals("us-ascii") || cs.equals("ascii") || cs.equals("ansi_x3.4-1968")) {
            text = utf8OrElse(bytes, WINDOWS_1252);
        } else {
            Charset charset = charsets.find(cs);
            if (charset == null) {
                flags.add("unknown_charset");
                text = utf8OrElse(bytes, StandardCharsets.ISO_8859_1);
            } else {
                if (charset.equals(StandardCharsets.ISO_8859_1)) charset = WINDOWS_1252;
                text = new String(bytes, charset);
            }
        }
        return normalize(text);
    }

    static String normalize(String text) {
        String t = text.replace("\r\n", "\n").replace('\r', '\n').replace("\u0000", "");
        return t.startsWith("\uFEFF") ? t.substring(1) : t;
    }

    private static String utf8OrElse(byte[] bytes, Charset fallback) {
        String utf8 = strictUtf8(bytes);
        return utf8 != null ? utf8 : new String(bytes, fallback);
    }

    /** The bytes as UTF-8, or null when they are not valid UTF-8. */
    static String strictUtf8(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }
}
