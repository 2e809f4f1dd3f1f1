package dev.herald.mail;

import dev.herald.util.Hashes;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import org.apache.james.mime4j.codec.DecodeMonitor;
import org.apache.james.mime4j.stream.EntityState;
import org.apache.james.mime4j.stream.Field;
import org.apache.james.mime4j.stream.MimeConfig;
import org.apache.james.mime4j.stream.MimeTokenStream;
import org.apache.james.mime4j.stream.RecursionMode;

/**
 * Reads a raw RFC 5322 / MIME message into a {@link ParsedMail}, streaming with Mime4j's token stream.
 * Never throws: malformed input yields what could be read, and {@code flags} say what was wrong.
 *
 * <p>Hazards and their bounds: nested multiparts cost a stream wrapper each (and a stack frame per level on
 * every read), so nesting deeper than {@value #MAX_DEPTH} is not descended ({@code too_deep}); more than
 * {@value #MAX_PARTS} body parts stop the parse ({@code too_many_parts}); more than {@value #MAX_HEADERS}
 * header fields in one entity are ignored ({@code too_many_headers}). Line and header lengths are not
 * limited by Mime4j (its limits throw and would lose the rest of the message); they are bounded by the
 * input size. Part bytes are decoded as they stream and copied once ({@link PartBuffer}); an embedded
 * {@code message/rfc822} is not parsed, it is a part of its own.
 */
public final class MailParser {
    public static final int MAX_PARTS = 500;
    public static final int MAX_HEADERS = 2000;
    public static final int MAX_DEPTH = 20;
    private static final int MAX_BOUNDARY = 200;

    private MailParser() {}

    public static ParsedMail parse(byte[] raw) {
        byte[] input = raw == null ? new byte[0] : raw;
        Reader reader = new Reader(input);
        try {
            reader.run();
        } catch (Exception | StackOverflowError e) {
            reader.flags.add("malformed_mime");
        }
        try {
            return reader.result();
        } catch (RuntimeException e) {
            Set<String> flags = new TreeSet<>(reader.flags);
            flags.add("malformed_mime");
            flags.add("missing_message_id");
            return new ParsedMail(syntheticId(input), true, null, null, null, null, null, null, null, null, null,
                    null, null, null, null, List.copyOf(flags), null);
        }
    }

    static String syntheticId(byte[] raw) {
        return "<" + Hashes.sha256Hex(raw).substring(0, 32) + "@herald.invalid>";
    }

    /** One entity (the message or a body part) while it is read: its fields, unfolded but not decoded. */
    private static final class Entity {
        final int depth;
        final List<String[]> fields = new ArrayList<>();
        boolean flat;
        boolean skip;

        Entity(int depth) {
            this.depth = depth;
        }

        String first(String name) {
            for (String[] f : fields) if (f[0].equals(name)) return f[1];
            return null;
        }
    }

    private static final class Reader extends DecodeMonitor {
        final byte[] raw;
        final Set<String> flags = new TreeSet<>();
        final Charsets charsets = new Charsets();
        final Deque<Entity> stack = new ArrayDeque<>();
        final List<ParsedMail.Header> headers = new ArrayList<>();
        final List<ParsedMail.Part> parts = new ArrayList<>();
        Entity root;
        String text;
        String html;
        int bodyParts;

        Reader(byte[] raw) {
            this.raw = raw;
        }

        @Override
        public boolean isListening() {
            return true;
        }

        /** Mime4j's warnings, turned into flags; returning false keeps the parse going. */
        @Override
        public boolean warn(String error, String dropDesc) {
            String e = error == null ? "" : error;
            if (e.contains("Body part ended prematurely")) {
                flags.add("truncated_part");
                flags.add("malformed_mime");
            } else if (e.contains("Unexpected end of headers")) {
                Entity current = stack.peek();
                if (current == root && current != null && !current.fields.isEmpty()) flags.add("no_body");
                else flags.add("malformed_mime");
            } else if (e.contains("Invalid header")) {
                flags.add("invalid_header");
                flags.add("malformed_mime");
            } else if (e.contains("base64") || e.contains("BASE64") || e.contains("padding character")
                    || e.contains("Malformed encoded value") || e.contains("Unexpected ==")) {
                flags.add("invalid_transfer_encoding");
            }
            return false;
        }

        void run() throws Exception {
            if (raw.length == 0) {
                flags.add("malformed_mime");
                return;
            }
            MimeConfig config = new MimeConfig.Builder().setMaxLineLen(-1).setMaxHeaderCount(-1).setMaxHeaderLen(-1)
                    .setMaxContentLen(-1).setStrictParsing(false).build();
            MimeTokenStream tokens = new MimeTokenStream(config, this, null, new SafeDescriptors());
            tokens.setRecursionMode(RecursionMode.M_NO_RECURSE);
            tokens.parse(new ByteArrayInputStream(raw));
            for (EntityState state = tokens.getState(); state != EntityState.T_END_OF_STREAM; state = tokens.next()) {
                switch (state) {
                    case T_START_MESSAGE -> {
                        Entity e = new Entity(stack.isEmpty() ? 0 : stack.peek().depth + 1);
                        if (root == null) root = e;
                        stack.push(e);
                    }
                    case T_START_BODYPART -> {
                        if (++bodyParts > MAX_PARTS) {
                            flags.add("too_many_parts");
                            tokens.stop();
                            return;
                        }
                        stack.push(new Entity(stack.isEmpty() ? 0 : stack.peek().depth + 1));
                    }
                    case T_FIELD -> field(tokens.getField());
                    case T_END_HEADER -> endHeader(tokens);
                    case T_BODY -> body(tokens);
                    case T_END_BODYPART, T_END_MESSAGE -> {
                        if (!stack.isEmpty()) stack.pop();
                    }
                    default -> {
                        // multipart boundaries, preamble and epilogue carry nothing we keep
                    }
                }
            }
        }

        private void field(Field field) {
            Entity e = stack.peek();
            if (e == null) return;
            if (e.fields.size() >= MAX_HEADERS) {
                flags.add("too_many_headers");
                return;
            }
            String line;
            if (field.getRaw() != null) {
                byte[] bytes = field.getRaw().toByteArray();
                line = headerText(bytes);
            } else {
                line = field.getName() + ": " + field.getBody();
            }
            int colon = line.indexOf(':');
            if (colon <= 0) return;
            String name = line.substring(0, colon).strip().toLowerCase(Locale.ROOT);
            if (name.isEmpty()) return;
            String value = HeaderValues.unfold(line.substring(colon + 1));
            e.fields.add(new String[] {name, value});
            if (e == root) headers.add(new ParsedMail.Header(name, HeaderValues.decodeWords(value, charsets, flags)));
        }

        /** Header bytes as UTF-8 (RFC 6532) when they are valid UTF-8, else as ISO-8859-1, flagged. */
        private String headerText(byte[] bytes) {
            boolean ascii = true;
            for (byte b : bytes) {
                if (b < 0) {
                    ascii = false;
                    break;
                }
            }
            if (ascii) return new String(bytes, StandardCharsets.ISO_8859_1);
            String utf8 = BodyText.strictUtf8(bytes);
            if (utf8 != null) return utf8;
            flags.add("non_utf8_header");
            return new String(bytes, StandardCharsets.ISO_8859_1);
        }

        /** A multipart without a usable boundary, or nested too deep, is read as one opaque body (M_FLAT). */
        private void endHeader(MimeTokenStream tokens) {
            Entity e = stack.peek();
            if (e == null) return;
            MimeParams type = MimeParams.parse(e.first("content-type"), charsets, flags);
            if (type.value() == null || !type.value().startsWith("multipart/")) return;
            String boundary = type.raw("boundary");
            if (boundary == null) {
                flags.add("malformed_mime"); // Mime4j reads it as text/plain
                return;
            }
            if (boundary.length() > MAX_BOUNDARY) {
                flags.add("malformed_mime");
                e.flat = true;
            } else if (e.depth >= MAX_DEPTH) {
                flags.add("too_deep");
                e.flat = true;
                e.skip = true;
            }
            if (e.flat) tokens.setRecursionMode(RecursionMode.M_FLAT);
        }

        private void body(MimeTokenStream tokens) {
            Entity e = stack.peek();
            if (e == null) return;
            if (e.flat) tokens.setRecursionMode(RecursionMode.M_NO_RECURSE);
            if (e.skip) return;
            String mimeType = e.flat ? "application/octet-stream" : tokens.getBodyDescriptor().getMimeType();
            mimeType = mimeType == null ? "text/plain" : Filenames.contentType(mimeType);
            PartBuffer.Read read = PartBuffer.read(e.flat ? tokens.getInputStream() : tokens.getDecodedInputStream());
            if (!read.complete()) {
                flags.add("truncated_part");
                flags.add("malformed_mime");
            }
            MimeParams type = MimeParams.parse(e.first("content-type"), charsets, flags);
            MimeParams disposition = MimeParams.parse(e.first("content-disposition"), charsets, flags);
            String filename = disposition.get("filename");
            if (filename == null || filename.isBlank()) filename = type.get("name");
            boolean attachment = "attachment".equals(disposition.value());
            boolean named = filename != null && !filename.isBlank();
            if (!attachment && !named && mimeType.equals("text/plain") && text == null) {
                text = BodyText.decode(read.bytes(), tokens.getBodyDescriptor().getCharset(), charsets, flags);
                return;
            }
            if (!attachment && !named && mimeType.equals("text/html") && html == null) {
                html = BodyText.decode(read.bytes(), tokens.getBodyDescriptor().getCharset(), charsets, flags);
                return;
            }
            String contentId = contentId(e.first("content-id"));
            boolean inline = "inline".equals(disposition.value()) || (disposition.value() == null && contentId != null);
            String safe = Filenames.sanitize(filename);
            if (safe == null) safe = Filenames.synthesize(parts.size() + 1, mimeType);
            parts.add(new ParsedMail.Part(safe, mimeType, read.bytes(), inline, contentId, read.sha256()));
        }

        private static String contentId(String value) {
            if (value == null) return null;
            String v = value.strip();
            if (v.startsWith("<")) v = v.substring(1);
            int end = v.indexOf('>');
            if (end >= 0) v = v.substring(0, end);
            v = v.strip();
            return v.isEmpty() ? null : v;
        }

        ParsedMail result() {
            Entity r = root == null ? new Entity(0) : root;
            String idHeader = r.first("message-id");
            String messageId = HeaderValues.messageId(idHeader);
            boolean synthetic = messageId == null;
            if (synthetic) {
                flags.add(idHeader == null || idHeader.isBlank() ? "missing_message_id" : "invalid_message_id");
                messageId = syntheticId(raw);
            }
            List<ParsedMail.Mailbox> from = HeaderValues.mailboxes(r.first("from"), charsets, flags);
            String dateHeader = r.first("date");
            Instant date = MailDates.parse(dateHeader);
            if (dateHeader != null && date == null) flags.add("invalid_date");
            String subject = r.first("subject") == null ? null : HeaderValues.decodeWords(r.first("subject"), charsets, flags);
            String inReplyTo = HeaderValues.messageId(r.first("in-reply-to"));
            LinkedHashSet<String> references = new LinkedHashSet<>();
            for (String[] f : r.fields) if (f[0].equals("references")) references.addAll(HeaderValues.messageIds(f[1]));
            String autoSubmitted = autoSubmitted(r.first("auto-submitted"));
            if (autoSubmitted != null) flags.add("auto_submitted");
            String replyText = ReplyText.strip(text != null ? text : HtmlText.toText(html));
            return new ParsedMail(messageId, synthetic, from.isEmpty() ? null : from.get(0), addresses(r, "to"), addresses(r, "cc"),
                    addresses(r, "reply-to"), subject, date, inReplyTo, List.copyOf(references), headers, text, html, replyText, parts,
                    List.copyOf(flags), autoSubmitted);
        }

        private static String autoSubmitted(String value) {
            if (value == null) return null;
            String v = value.split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
            return v.isEmpty() || v.equals("no") ? null : v;
        }

        /** Every mailbox of every field with that name, sorted by address then name, duplicates removed. */
        private List<ParsedMail.Mailbox> addresses(Entity r, String name) {
            Set<ParsedMail.Mailbox> all = new TreeSet<>(ADDRESS_ORDER);
            for (String[] f : r.fields) if (f[0].equals(name)) all.addAll(HeaderValues.mailboxes(f[1], charsets, flags));
            return List.copyOf(all);
        }
    }

    static final Comparator<ParsedMail.Mailbox> ADDRESS_ORDER = Comparator.comparing(ParsedMail.Mailbox::address)
            .thenComparing(ParsedMail.Mailbox::name, Comparator.nullsFirst(Comparator.naturalOrder()));
}
