package dev.herald.config;

import java.time.Duration;
import java.util.List;

/**
 * The email channel's settings ({@code NOTIFICATION_*}, {@code HERALD_ADMIN_EMAILS}), validated by
 * {@link ConfigLoader}. {@code from} is the sender as configured ({@code Name <address>} or a bare
 * address). The password is never printed: {@link #toString()} masks it.
 */
public record EmailSettings(
        Transport transport,
        String host,
        int port,
        String username,
        String password,
        String from,
        Tls tls,
        Duration timeout,
        int connections,
        List<Duration> retrySchedule,
        List<String> adminEmails) {

    /** {@code NOTIFICATION_TRANSPORT}. */
    public enum Transport { DISABLED, SMTP }

    /** {@code NOTIFICATION_SMTP_TLS}: plain, upgrade with STARTTLS (required), or TLS from the first byte. */
    public enum Tls { NONE, STARTTLS, TLS }

    public EmailSettings {
        retrySchedule = List.copyOf(retrySchedule);
        adminEmails = List.copyOf(adminEmails);
    }

    public boolean enabled() {
        return transport == Transport.SMTP;
    }

    public boolean hasAuth() {
        return !username.isEmpty();
    }

    /** Local development defaults (Mailpit on localhost:1025), disabled. */
    public static EmailSettings defaults() {
        return new EmailSettings(Transport.DISABLED, "localhost", 1025, "", "", "Herald <herald@localhost>", Tls.NONE, Duration.ofSeconds(30), 4,
                List.of(Duration.ofSeconds(5), Duration.ofSeconds(30), Duration.ofMinutes(2), Duration.ofMinutes(10), Duration.ofMinutes(30),
                        Duration.ofHours(2)), List.of());
    }

    @Override
    public String toString() {
        return "EmailSettings[transport=" + transport.name().toLowerCase(java.util.Locale.ROOT) + ", smtp=" + host + ":" + port
                + ", tls=" + tls.name().toLowerCase(java.util.Locale.ROOT) + ", username=" + (username.isEmpty() ? "(none)" : username)
                + ", password=" + (password.isEmpty() ? "(none)" : "(set)") + ", from=" + from + ", timeout=" + Durations.format(timeout)
                + ", connections=" + connections + ", adminEmails=" + adminEmails.size() + "]";
    }
}
