package dev.herald.email;

import dev.herald.util.Addresses;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeBodyPart;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Properties;

/**
 * Builds the one MIME message an email is: From (the configured sender), To, a UTF-8 Subject encoded
 * as RFC 2047 words when not ASCII, Date (UTC), the Message-ID Herald chose, and the body: text/plain,
 * text/html, or multipart/alternative with both (text first, so clients that can show HTML prefer it).
 * Lines end in CRLF and non-ASCII bodies are quoted-printable or base64, so the bytes built here are
 * exactly the bytes every attempt sends.
 */
final class MimeComposer {
    static {
        JakartaMail.init();
    }

    private static final Session SESSION = Session.getInstance(new Properties());
    private static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss Z", Locale.US).withZone(ZoneOffset.UTC);

    private MimeComposer() {}

    /** What an email says, rendered: a one-line subject and a text and/or html body. */
    record Content(String subject, String text, String html) {}

    static byte[] compose(Addresses.Mailbox from, List<Addresses.Mailbox> to, Content c, String messageId, long now) {
        try {
            MimeMessage m = new FixedIdMessage(messageId);
            m.setFrom(from.internet());
            m.setRecipients(jakarta.mail.Message.RecipientType.TO, to.stream().map(Addresses.Mailbox::internet).toArray(InternetAddress[]::new));
            m.setSubject(c.subject(), "UTF-8");
            m.setHeader("Date", DATE.format(Instant.ofEpochMilli(now)));
            String text = c.text() == null ? null : crlf(c.text());
            String html = c.html() == null ? null : crlf(c.html());
            if (text != null && html != null) {
                MimeMultipart alternative = new MimeMultipart("alternative");
                MimeBodyPart plain = new MimeBodyPart();
                plain.setText(text, "UTF-8", "plain");
                MimeBodyPart rich = new MimeBodyPart();
                rich.setText(html, "UTF-8", "html");
                alternative.addBodyPart(plain);
                alternative.addBodyPart(rich);
                m.setContent(alternative);
            } else if (html != null) {
                m.setText(html, "UTF-8", "html");
            } else {
                m.setText(text, "UTF-8", "plain");
            }
            m.saveChanges();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            m.writeTo(out);
            return out.toByteArray();
        } catch (MessagingException | IOException e) {
            throw new IllegalStateException("cannot build the email: " + e.getMessage(), e);
        }
    }

    /**
     * Normalizes line breaks to CRLF, as SMTP carries them, and ends the text with one: SMTP ends DATA
     * with CRLF.CRLF, so a body without a final line break would gain one on the wire.
     */
    static String crlf(String s) {
        String t = s.replace("\r\n", "\n").replace('\r', '\n').replace("\n", "\r\n");
        return t.endsWith("\r\n") ? t : t + "\r\n";
    }

    /** Keeps the Message-ID Herald chose (MimeMessage would generate its own when saving). */
    private static final class FixedIdMessage extends MimeMessage {
        private final String messageId;

        FixedIdMessage(String messageId) {
            super(SESSION);
            this.messageId = messageId;
        }

        @Override
        protected void updateMessageID() throws MessagingException {
            setHeader("Message-ID", messageId);
        }
    }
}
