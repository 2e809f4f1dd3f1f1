package dev.herald.mail;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.james.mime4j.dom.address.Mailbox;
import org.apache.james.mime4j.field.address.LenientAddressParser;
import org.apache.james.mime4j.stream.ParserCursor;
import org.apache.james.mime4j.util.ByteSequence;
import org.apache.james.mime4j.util.ContentUtil;

/** Header field values: unfolding, RFC 2047 encoded words, address lists and message ids. Pure functions. */
final class HeaderValues {
    private static final Pattern FOLD = Pattern.compile("\\r?\\n[ \\t]+|\\r(?!\\n)[ \\t]*");
    private static final Pattern MSG_ID = Pattern.compile("<([^<>\\s]+)>");
    private static final Pattern BARE_MSG_ID = Pattern.compile("[^<>\\s@]+@[^<>\\s@]+");

    private HeaderValues() {}

    /** CRLF (or LF) followed by white space becomes one space; stray line breaks go; the ends are trimmed. */
    static String unfold(String value) {
        String v = FOLD.matcher(value).replaceAll(" ");
        return v.replace("\r", "").replace("\n", "").strip().replace("\u0000", "");
    }

    /** Decodes RFC 2047 encoded words ({@link EncodedWords}). */
    static String decodeWords(String value, Charsets charsets, Set<String> flags) {
        return EncodedWords.decode(value, charsets, flags);
    }

    /**
     * Hides {@code =?} from Mime4j's parsers, which decode encoded words themselves with a costly lookup
     * per word; Herald decodes the pieces afterwards ({@link #unmask}, then {@link EncodedWords}).
     * Header values never contain NUL (unfolding drops it), so the mask is unambiguous.
     */
    static String mask(String value) {
        return value.replace("=?", MASK);
    }

    static String unmask(String value) {
        return value == null ? null : value.replace(MASK, "=?");
    }

    private static final String MASK = "\u0000?";

    static int count(String s, String needle) {
        int n = 0;
        for (int i = s.indexOf(needle); i >= 0; i = s.indexOf(needle, i + needle.length())) n++;
        return n;
    }

    /** The mailboxes of an address list (groups flattened), addresses lower-cased, names decoded. */
    static List<ParsedMail.Mailbox> mailboxes(String value, Charsets charsets, Set<String> flags) {
        List<ParsedMail.Mailbox> out = new ArrayList<>();
        if (value == null || value.isBlank()) return out;
        try {
            ByteSequence raw = ContentUtil.encode(StandardCharsets.UTF_8, mask(value));
            for (Mailbox mb : LenientAddressParser.DEFAULT.parseAddressList(raw, new ParserCursor(0, raw.length())).flatten()) {
                String address = mb.getAddress();
                if (address == null || address.isBlank()) continue;
                address = unmask(address).strip().toLowerCase(Locale.ROOT).replace("\u0000", "");
                String name = mb.getName();
                name = name == null ? null : EncodedWords.decode(unmask(name), charsets, flags).strip().replace("\u0000", "");
                out.add(new ParsedMail.Mailbox(address, name == null || name.isEmpty() ? null : name));
            }
        } catch (RuntimeException e) {
            // an address list the lenient parser cannot read yields no mailboxes
        }
        return out;
    }

    /** Every {@code <id>} in the value, in order, distinct. */
    static List<String> messageIds(String value) {
        Set<String> ids = new LinkedHashSet<>();
        if (value == null) return new ArrayList<>();
        Matcher m = MSG_ID.matcher(value);
        while (m.find()) if (idChars(m.group(1))) ids.add("<" + m.group(1) + ">");
        if (ids.isEmpty()) {
            String v = value.strip();
            if (BARE_MSG_ID.matcher(v).matches() && idChars(v)) ids.add("<" + v + ">");
        }
        return new ArrayList<>(ids);
    }

    /** No white space of any kind (Unicode included), no controls, no angle brackets. */
    private static boolean idChars(String id) {
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            if (c <= 0x20 || c == 0x7f || c == '<' || c == '>' || c == '\uFEFF' || Character.isWhitespace(c) || Character.isSpaceChar(c)
                    || Character.isISOControl(c)) return false;
        }
        return !id.isEmpty();
    }

    /** The first message id of the value when it has the {@code <left@right>} shape, else null. */
    static String messageId(String value) {
        for (String id : messageIds(value)) {
            if (id.length() <= 998 && id.indexOf('@') > 1 && id.indexOf('@') < id.length() - 2) return id;
        }
        return null;
    }
}
