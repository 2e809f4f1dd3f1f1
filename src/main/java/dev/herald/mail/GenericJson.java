package dev.herald.mail;

import dev.herald.util.Hashes;
import dev.herald.util.Json;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.TreeSet;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The {@code generic_json} mapper: Herald's documented JSON for a received message, described by
 * {@code docs/mail-generic.schema.json} (also served from {@code mail/generic.schema.json} on the classpath).
 * Deterministic: the same inputs give the same bytes (fixed key order, addresses lower-cased and sorted,
 * flags sorted, times in UTC to the second). Empty optionals (null, empty string, empty list) are left out,
 * except {@code body} and {@code body.attachments}, which are always there. Attachments are described by
 * exactly {@code id, filename, content_type, size, is_inline, sha256}; their bytes are never included.
 */
public final class GenericJson {
    public static final String SCHEMA_RESOURCE = "mail/generic.schema.json";

    private GenericJson() {}

    /** One attachment as stored: its Herald id alongside the parsed part. */
    public record Attachment(String id, ParsedMail.Part part) {}

    public static ObjectNode document(String id, ParsedMail m, Envelope env, List<Attachment> attachments, Instant receivedAt) {
        Objects.requireNonNull(m, "parsed mail");
        Objects.requireNonNull(env, "envelope");
        ObjectNode d = Json.object();
        d.put("id", id);
        d.put("message_id", m.messageId());
        if (m.messageIdSynthetic()) d.put("message_id_synthetic", true);
        d.put("received_at", time(Objects.requireNonNull(receivedAt, "receivedAt")));
        if (m.date() != null) d.put("date", time(m.date()));
        put(d, "subject", m.subject());
        if (m.from() != null && present(m.from().address())) d.set("from", mailbox(m.from()));
        mailboxes(d, "to", m.to());
        mailboxes(d, "cc", m.cc());
        mailboxes(d, "reply_to", m.replyTo());
        put(d, "in_reply_to", m.inReplyTo());
        strings(d, "references", m.references());
        if (!m.headers().isEmpty()) {
            ArrayNode headers = d.putArray("headers");
            for (ParsedMail.Header h : m.headers()) headers.addObject().put("name", h.name()).put("value", h.value() == null ? "" : h.value());
        }
        ObjectNode body = d.putObject("body");
        put(body, "text", m.text());
        put(body, "html", m.html());
        put(body, "reply_text", m.replyText());
        ArrayNode list = body.putArray("attachments");
        int n = 0;
        for (Attachment a : attachments == null ? List.<Attachment>of() : attachments) {
            n++;
            ParsedMail.Part p = a.part();
            String type = Filenames.contentType(p.contentType());
            byte[] content = p.content() == null ? new byte[0] : p.content();
            list.addObject()
                    .put("id", a.id())
                    .put("filename", present(p.filename()) ? p.filename() : Filenames.synthesize(n, type))
                    .put("content_type", type)
                    .put("size", (long) content.length)
                    .put("is_inline", p.inline())
                    .put("sha256", present(p.sha256()) ? p.sha256() : Hashes.sha256Hex(content));
        }
        d.set("envelope", envelope(env));
        strings(d, "flags", new ArrayList<>(new TreeSet<>(m.flags())));
        put(d, "auto_submitted", m.autoSubmitted());
        return d;
    }

    /** Compact UTF-8 JSON: the exact bytes an endpoint receives and the signature covers. */
    public static byte[] bytes(ObjectNode doc) {
        return Json.bytes(doc);
    }

    static String time(Instant t) {
        return DateTimeFormatter.ISO_INSTANT.format(t.truncatedTo(ChronoUnit.SECONDS));
    }

    private static ObjectNode envelope(Envelope env) {
        ObjectNode e = Json.object();
        put(e, "mail_from", lower(env.mailFrom()));
        List<String> rcpt = new ArrayList<>(new TreeSet<>(env.rcptTo().stream().filter(GenericJson::present).map(GenericJson::lower).toList()));
        strings(e, "rcpt_to", rcpt);
        put(e, "remote_address", env.remoteAddress());
        put(e, "helo", env.helo());
        e.put("tls", env.tls());
        e.put("transport", present(env.transport()) ? env.transport() : "smtp");
        return e;
    }

    private static ObjectNode mailbox(ParsedMail.Mailbox mb) {
        ObjectNode o = Json.object();
        o.put("address", lower(mb.address()));
        put(o, "name", mb.name());
        return o;
    }

    private static void mailboxes(ObjectNode d, String key, List<ParsedMail.Mailbox> list) {
        TreeSet<ParsedMail.Mailbox> sorted = new TreeSet<>(MailParser.ADDRESS_ORDER);
        for (ParsedMail.Mailbox mb : list) {
            if (present(mb.address())) sorted.add(new ParsedMail.Mailbox(lower(mb.address()), present(mb.name()) ? mb.name() : null));
        }
        if (sorted.isEmpty()) return;
        ArrayNode a = d.putArray(key);
        for (ParsedMail.Mailbox mb : sorted) a.add(mailbox(mb));
    }

    private static void strings(ObjectNode d, String key, List<String> values) {
        List<String> present = values.stream().filter(GenericJson::present).toList();
        if (present.isEmpty()) return;
        ArrayNode a = d.putArray(key);
        present.forEach(a::add);
    }

    private static void put(ObjectNode o, String key, String value) {
        if (present(value)) o.put(key, value);
    }

    private static boolean present(String s) {
        return s != null && !s.isEmpty();
    }

    private static String lower(String s) {
        return s == null ? null : s.strip().toLowerCase(Locale.ROOT);
    }
}
