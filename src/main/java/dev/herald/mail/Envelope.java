package dev.herald.mail;

import java.util.List;

/**
 * How a message arrived, as the transport saw it: the SMTP reverse-path ({@code MAIL FROM}, {@code ""} for
 * the null sender of bounces), the recipients ({@code RCPT TO}), the peer's address, its HELO/EHLO name,
 * whether the session used TLS, and the transport, {@code "smtp"} or {@code "http"} (the HTTP inbox).
 */
public record Envelope(String mailFrom, List<String> rcptTo, String remoteAddress, String helo, boolean tls, String transport) {
    public Envelope {
        rcptTo = rcptTo == null ? List.of() : rcptTo.stream().filter(java.util.Objects::nonNull).toList();
    }
}
