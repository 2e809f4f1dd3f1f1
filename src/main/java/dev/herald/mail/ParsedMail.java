package dev.herald.mail;

import java.time.Instant;
import java.util.List;

/**
 * A received message as {@link MailParser} read it. Deterministic: the same raw bytes give an equal value
 * (addresses lower-cased and sorted, headers in order with lower-cased names and unfolded, decoded values).
 * {@code flags} name what was wrong with the input (sorted, distinct); what could be read is still here.
 *
 * @param messageId the Message-ID with angle brackets; synthetic ({@code <sha256-prefix@herald.invalid>}) when missing or invalid
 * @param parts attachments and inline parts in MIME order: every leaf but the bodies chosen as {@code text} and {@code html}
 * @param replyText {@code text} (or {@code html} as text) without the quoted history and the signature
 * @param autoSubmitted the Auto-Submitted keyword (e.g. {@code auto-replied}) unless absent or {@code no}
 * @param flags {@code malformed_mime} (structure broken: a missing or unusable boundary, a header line
 *     without a colon, a part cut short, empty input), {@code truncated_part} (a part ended without its
 *     boundary), {@code invalid_header}, {@code invalid_transfer_encoding} (bad base64 or quoted-printable,
 *     decoded as far as possible), {@code unknown_charset}, {@code non_utf8_header} (raw 8-bit header
 *     bytes that are not UTF-8, read as ISO-8859-1), {@code missing_message_id}, {@code invalid_message_id},
 *     {@code invalid_date}, {@code no_body} (headers only), {@code too_many_parts}, {@code too_many_headers},
 *     {@code too_deep}, {@code auto_submitted}
 */
public record ParsedMail(
        String messageId,
        boolean messageIdSynthetic,
        Mailbox from,
        List<Mailbox> to,
        List<Mailbox> cc,
        List<Mailbox> replyTo,
        String subject,
        Instant date,
        String inReplyTo,
        List<String> references,
        List<Header> headers,
        String text,
        String html,
        String replyText,
        List<Part> parts,
        List<String> flags,
        String autoSubmitted) {

    public ParsedMail {
        to = copy(to);
        cc = copy(cc);
        replyTo = copy(replyTo);
        references = copy(references);
        headers = copy(headers);
        parts = copy(parts);
        flags = copy(flags);
    }

    private static <T> List<T> copy(List<T> list) {
        return list == null ? List.of() : List.copyOf(list);
    }

    /** A mailbox: the address lower-cased, the display name decoded (null when there is none). */
    public record Mailbox(String address, String name) {}

    /** A header field: the name lower-cased, the value unfolded and RFC 2047-decoded. */
    public record Header(String name, String value) {}

    /**
     * An attachment or inline part. {@code contentType} is the lower-case MIME type without parameters;
     * {@code filename} is decoded and safe (no path separators or control characters; synthesized as
     * {@code part-N.ext} when the message gives none); {@code contentId} has no angle brackets;
     * {@code sha256} is the lower-case hex digest of {@code content}, the decoded bytes.
     */
    public record Part(String filename, String contentType, byte[] content, boolean inline, String contentId, String sha256) {
        public long size() {
            return content == null ? 0 : content.length;
        }
    }
}
