package dev.herald.mail;

import java.util.HashSet;
import java.util.Locale;
import org.apache.james.mime4j.stream.BodyDescriptor;
import org.apache.james.mime4j.stream.BodyDescriptorBuilder;
import org.apache.james.mime4j.stream.Field;
import org.apache.james.mime4j.stream.RawField;

/**
 * The body descriptors (type, boundary, charset, transfer encoding) Mime4j's token stream needs, built from
 * Herald's own parameter parse ({@link MimeParams}) with the rules of Mime4j's fallback builder: the first
 * Content-Type wins; a type without a slash, or a multipart without a boundary, counts as absent; absent
 * means text/plain (message/rfc822 inside multipart/digest); text defaults to us-ascii; the transfer
 * encoding to 7bit. Why not Mime4j's own: it decodes encoded words in quoted parameters with a charset
 * lookup per word, so a Content-Type stuffed with thousands of {@code =?} cost seconds per part.
 */
final class SafeDescriptors implements BodyDescriptorBuilder {
    private final String parentType;
    private String type;
    private String boundary;
    private String charset;
    private String transferEncoding;
    private long contentLength = -1;

    SafeDescriptors() {
        this(null);
    }

    private SafeDescriptors(String parentType) {
        this.parentType = parentType;
    }

    private record Descriptor(String getMimeType, String getMediaType, String getSubType, String getBoundary, String getCharset,
            String getTransferEncoding, long getContentLength) implements BodyDescriptor {}

    @Override
    public void reset() {
        type = null;
        boundary = null;
        charset = null;
        transferEncoding = null;
        contentLength = -1;
    }

    @Override
    public Field addField(RawField field) {
        String name = field.getNameLowerCase();
        if (name.equals("content-type") && type == null) {
            MimeParams p = MimeParams.parse(HeaderValues.unfold(field.getBody()), new Charsets(), new HashSet<>());
            String t = p.value();
            int slash = t == null ? -1 : t.indexOf('/');
            if (slash > 0 && slash < t.length() - 1) {
                String b = p.raw("boundary");
                if (!t.startsWith("multipart/") || b != null) {
                    type = t.substring(0, slash).strip() + "/" + t.substring(slash + 1).strip();
                    boundary = t.startsWith("multipart/") ? b : null;
                }
            }
            String c = p.raw("charset");
            charset = c == null || c.isBlank() ? null : c.strip();
        } else if (name.equals("content-transfer-encoding") && transferEncoding == null) {
            String v = field.getBody() == null ? "" : field.getBody().strip().toLowerCase(Locale.ROOT);
            if (!v.isEmpty()) transferEncoding = v;
        } else if (name.equals("content-length") && contentLength == -1) {
            try {
                contentLength = Long.parseLong(field.getBody() == null ? "" : field.getBody().strip());
            } catch (NumberFormatException e) {
                contentLength = -1;
            }
        }
        return null;
    }

    @Override
    public BodyDescriptor build() {
        String t = type != null ? type : "multipart/digest".equals(parentType) ? "message/rfc822" : "text/plain";
        int slash = t.indexOf('/');
        String media = t.substring(0, slash);
        String c = charset == null && media.equals("text") ? "us-ascii" : charset;
        return new Descriptor(t, media, t.substring(slash + 1), boundary, c, transferEncoding == null ? "7bit" : transferEncoding, contentLength);
    }

    @Override
    public BodyDescriptorBuilder newChild() {
        return new SafeDescriptors(type);
    }
}
