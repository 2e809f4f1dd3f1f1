package dev.herald.mail;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.james.mime4j.codec.DecodeMonitor;
import org.apache.james.mime4j.codec.DecoderUtil;
import org.apache.james.mime4j.dom.address.Mailbox;
import org.apache.james.mime4j.field.address.LenientAddressParser;
import org.apache.james.mime4j.stream.ParserCursor;
import org.apache.james.mime4j.util.ByteSequence;
import org.apache.james.mime4j.util.CharsetUtil;
import org.apache.james.mime4j.util.ContentUtil;

/** Header field values: unfolding, RFC 2047 encoded words, address lists and message ids. Pure functions. */
final class HeaderValues {
    private static final Pattern FOLD = Pattern.compile("\\r?\\n[ \\t]+|\\r(?!\\n)[ \\t]*");
    private static final Pattern ENCODED_WORD_CHARSET = Pattern.compile("=\\?([^?\\s]{1,80})\\?[bBqQ]\\?");
    private static final Pattern MSG_ID = Pattern.compile("<([^<>\\s]+)>");
    private static final Pattern BARE_MSG_ID = Pattern.compile("[^<>\\s@]+@[^<>\\s@]+");

    private HeaderValues() {}

    /** CRLF (or LF) followed by white space becomes one space; stray line breaks go; the ends are trimmed. */
    static String unfold(String value) {
        String v = FOLD.matcher(value).replaceAll(" ");
        return v.replace("\r", "").replace("\n", "").strip().replace("\u0000", "");
    }

    /** Decodes RFC 2047 encoded words; a word in a charset Java lacks is read as UTF-8 and flagged. */
    static String decodeWords(String value, Set<String> flags) {
        if (value == null || !value.contains("=?")) return value;
        Matcher m = ENCODED_WORD_CHARSET.matcher(value);
        while (m.find()) {
            String cs = m.group(1);
            int star = cs.indexOf('*'); // RFC 2231 language suffix: =?utf-8*en?Q?...?=
            if (CharsetUtil.lookup(star > 0 ? cs.substring(0, star) : cs) == null) flags.add("unknown_charset");
        }
        try {
            return DecoderUtil.decodeEncodedWords(value, DecodeMonitor.SILENT, StandardCharsets.UTF_8).replace("\u0000", "");
        } catch (RuntimeException e) {
            return value;
        }
    }

    /** The mailboxes of an address list (groups flattened), addresses lower-cased, names decoded. */
    static List<ParsedMail.Mailbox> mailboxes(String value) {
        List<ParsedMail.Mailbox> out = new ArrayList<>();
        if (value == null || value.isBlank()) return out;
        try {
            ByteSequence raw = ContentUtil.encode(StandardCharsets.UTF_8, value);
            for (Mailbox mb : LenientAddressParser.DEFAULT.parseAddressList(raw, new ParserCursor(0, raw.length())).flatten()) {
                String address = mb.getAddress();
                if (address == null || address.isBlank()) continue;
                address = address.strip().toLowerCase(Locale.ROOT);
                String name = mb.getName();
                name = name == null ? null : name.strip().replace("\u0000", "");
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
