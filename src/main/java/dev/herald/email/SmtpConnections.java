package dev.herald.email;

import dev.herald.config.EmailSettings;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import java.net.InetAddress;
import java.util.Properties;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A pool of open SMTP connections to the one relay, reused across messages: at most
 * {@code NOTIFICATION_SMTP_CONNECTIONS} open at once, the most recently used first. A connection
 * that sat idle is checked with NOOP before use and one idle too long is closed; one that failed in
 * any way is closed rather than returned.
 *
 * <p>TLS: with {@code starttls} the upgrade is required (Jakarta Mail's
 * {@code mail.smtp.starttls.required}): a relay that does not offer STARTTLS fails the connection, and
 * nothing is sent in clear. With {@code tls} the socket is TLS from the first byte. Either way the
 * certificate must chain to the system's anchors (plus {@code SECURITY_OUTBOUND_CA_FILE}) and name the
 * host. The password is handed to Jakarta Mail only; it is never part of a message or log line here.
 */
final class SmtpConnections implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SmtpConnections.class);
    /** Past this idle time a connection is checked with NOOP before use. */
    static final long CHECK_AFTER_NANOS = TimeUnit.SECONDS.toNanos(2);
    /** Past this idle time a connection is closed instead of used (relays drop idle clients after a while). */
    static final long CLOSE_AFTER_NANOS = TimeUnit.SECONDS.toNanos(30);

    /** An open connection and when it was last returned. */
    static final class Connection {
        final Transport transport;
        long idleSince;

        Connection(Transport transport) {
            this.transport = transport;
        }
    }

    private final EmailSettings settings;
    private final Session session;
    private final Semaphore permits;
    private final ConcurrentLinkedDeque<Connection> idle = new ConcurrentLinkedDeque<>();
    private final AtomicLong opened = new AtomicLong();
    private volatile boolean closed;

    SmtpConnections(EmailSettings settings, SSLContext tls) {
        JakartaMail.init();
        this.settings = settings;
        this.session = Session.getInstance(properties(settings, tls));
        this.permits = new Semaphore(settings.connections(), true);
    }

    Session session() {
        return session;
    }

    /** Connections opened so far (for tests and metrics). */
    long opened() {
        return opened.get();
    }

    static Properties properties(EmailSettings s, SSLContext tls) {
        Properties p = new Properties();
        String ms = Long.toString(s.timeout().toMillis());
        p.put("mail.smtp.host", s.host());
        p.put("mail.smtp.port", Integer.toString(s.port()));
        p.put("mail.smtp.connectiontimeout", ms);
        p.put("mail.smtp.timeout", ms);
        p.put("mail.smtp.writetimeout", ms);
        p.put("mail.smtp.auth", Boolean.toString(s.hasAuth()));
        p.put("mail.smtp.localhost", localName());
        p.put("mail.smtp.quitwait", "false");
        p.put("mail.smtp.sendpartial", "false");
        p.put("mail.debug", "false");
        p.put("mail.debug.auth", "false");
        if (s.tls() != EmailSettings.Tls.NONE) {
            if (s.tls() == EmailSettings.Tls.STARTTLS) {
                p.put("mail.smtp.starttls.enable", "true");
                p.put("mail.smtp.starttls.required", "true");
            } else {
                p.put("mail.smtp.ssl.enable", "true");
            }
            p.put("mail.smtp.ssl.socketFactory", tls.getSocketFactory());
            p.put("mail.smtp.ssl.checkserveridentity", "true");
            p.put("mail.smtp.ssl.protocols", "TLSv1.3 TLSv1.2");
        } else {
            p.put("mail.smtp.starttls.enable", "false");
        }
        return p;
    }

    /** The name Herald gives in EHLO: this machine's host name, looked up once. */
    private static String localName() {
        try {
            String n = InetAddress.getLocalHost().getHostName();
            return n == null || n.isBlank() || !n.matches("[A-Za-z0-9.-]+") ? "localhost" : n;
        } catch (java.io.IOException e) {
            return "localhost";
        }
    }

    /**
     * An open connection, waiting for a free one until {@code deadlineNanos}. The caller must
     * {@link #release} it exactly once.
     */
    Connection borrow(long deadlineNanos) throws MessagingException, TimeoutException, InterruptedException {
        if (!permits.tryAcquire(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS)) {
            throw new TimeoutException("no SMTP connection became free within " + settings.timeout().toSeconds() + "s");
        }
        try {
            for (Connection c; (c = idle.pollFirst()) != null; ) {
                long idleFor = System.nanoTime() - c.idleSince;
                if (idleFor > CLOSE_AFTER_NANOS) {
                    quietlyClose(c);
                } else if (idleFor > CHECK_AFTER_NANOS && !c.transport.isConnected()) {
                    quietlyClose(c);
                } else {
                    return c;
                }
            }
            Transport t = session.getTransport("smtp");
            t.connect(settings.host(), settings.port(), settings.hasAuth() ? settings.username() : null,
                    settings.hasAuth() ? settings.password() : null);
            opened.incrementAndGet();
            if (settings.hasAuth() && !authenticated(t)) {
                quietlyClose(new Connection(t));
                throw new jakarta.mail.AuthenticationFailedException("the relay does not offer AUTH on this connection"
                        + (settings.tls() == EmailSettings.Tls.NONE ? " (many offer it only after STARTTLS: set NOTIFICATION_SMTP_TLS=starttls)" : "")
                        + "; nothing was sent without the credentials");
            }
            return new Connection(t);
        } catch (MessagingException | RuntimeException e) {
            permits.release();
            throw e;
        }
    }

    /** Jakarta Mail skips AUTH when the relay does not advertise it; Herald refuses to send unauthenticated instead. */
    private static boolean authenticated(Transport t) {
        org.eclipse.angus.mail.smtp.SMTPTransport s = (org.eclipse.angus.mail.smtp.SMTPTransport) t;
        return s.supportsExtension("AUTH") || s.supportsExtension("AUTH=LOGIN");
    }

    /** Returns a connection: kept for the next message when {@code healthy}, else closed. */
    void release(Connection c, boolean healthy) {
        try {
            if (healthy && !closed) {
                c.idleSince = System.nanoTime();
                idle.addFirst(c);
            } else {
                quietlyClose(c);
            }
        } finally {
            permits.release();
        }
        if (closed) drain();
    }

    private void drain() {
        for (Connection c; (c = idle.pollFirst()) != null; ) quietlyClose(c);
    }

    private static void quietlyClose(Connection c) {
        try {
            c.transport.close();
        } catch (MessagingException | RuntimeException e) {
            log.debug("closing an SMTP connection failed: {}", e.getMessage());
        }
    }

    @Override
    public void close() {
        closed = true;
        drain();
    }
}
