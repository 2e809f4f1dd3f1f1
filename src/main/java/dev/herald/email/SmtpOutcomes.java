package dev.herald.email;

import dev.herald.delivery.AttemptOutcome;
import jakarta.mail.AuthenticationFailedException;
import jakarta.mail.MessagingException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.security.cert.CertificateException;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLException;
import org.eclipse.angus.mail.smtp.SMTPAddressFailedException;
import org.eclipse.angus.mail.smtp.SMTPSendFailedException;
import org.eclipse.angus.mail.smtp.SMTPSenderFailedException;
import org.eclipse.angus.mail.util.MailConnectException;

/**
 * What an SMTP attempt came to. The rule: a 5xx answer to the message itself (MAIL FROM, RCPT TO,
 * DATA) is permanent and dead-letters at once with the server's reply; a 4xx answer, and any trouble
 * reaching or talking to the relay (connect, TLS, AUTH, greeting, timeouts), is retried on the
 * schedule, because it is not the message's fault (so is a {@code 530} "authentication required"). {@code status_code} is the SMTP reply code and
 * {@code response_body} the server's reply text.
 */
final class SmtpOutcomes {
    static final String SMTP_STATUS = "smtp_status";
    static final String SMTP_AUTH = "smtp_auth";
    private static final int MAX_REPLY = 4096;
    private static final Pattern GREETING = Pattern.compile("response: (\\d{3})");
    private static final Pattern LEADING_CODE = Pattern.compile("^(\\d{3})[ -]");

    private SmtpOutcomes() {}

    static AttemptOutcome success(int code, String reply, long ms) {
        return new AttemptOutcome(true, code > 0 ? code : null, null, null, cut(reply), false, ms, null, false, null);
    }

    static AttemptOutcome failure(String kind, Integer code, String message, String reply, long ms, boolean permanent) {
        return new AttemptOutcome(false, code, kind, message, cut(reply), false, ms, null, permanent, null);
    }

    static AttemptOutcome timeout(long ms) {
        return failure("timeout", null, "the attempt did not finish within NOTIFICATION_SMTP_TIMEOUT (" + ms + " ms)", null, ms, false);
    }

    /** Maps what Jakarta Mail threw. */
    static AttemptOutcome of(Throwable e, long ms) {
        // A reply to the message's own commands carries its code.
        for (Throwable t = e; t != null; t = next(t)) {
            int code = -1;
            String command = null;
            if (t instanceof SMTPAddressFailedException a) {
                code = a.getReturnCode();
                command = "RCPT TO";
            } else if (t instanceof SMTPSenderFailedException s) {
                code = s.getReturnCode();
                command = "MAIL FROM";
            } else if (t instanceof SMTPSendFailedException s) {
                code = s.getReturnCode();
                command = s.getCommand();
            }
            if (code == 530) {
                // "Authentication required": the relay's settings, not the message; retried like an AUTH failure.
                String reply = reply(t.getMessage());
                return failure(SMTP_AUTH, code, "the relay requires AUTH: " + reply, reply, ms, false);
            }
            if (code >= 400 && code < 600) {
                String reply = reply(t.getMessage());
                boolean permanent = code >= 500;
                return failure(SMTP_STATUS, code, (permanent ? "rejected" : "deferred") + " " + where(command) + ": " + reply, reply, ms, permanent);
            }
        }
        for (Throwable t = e; t != null; t = next(t)) {
            if (t instanceof AuthenticationFailedException a) {
                String reply = reply(a.getMessage());
                Matcher m = LEADING_CODE.matcher(reply);
                Integer code = m.find() ? Integer.valueOf(m.group(1)) : null;
                return failure(SMTP_AUTH, code, "the relay refused the SMTP credentials: " + reply, reply, ms, false);
            }
        }
        for (Throwable t = e; t != null; t = next(t)) {
            if (t instanceof TimeoutException || t instanceof SocketTimeoutException) return failure("timeout", null, message(t), null, ms, false);
            if (t instanceof UnknownHostException) return failure("dns", null, "unknown host: " + t.getMessage(), null, ms, false);
            if (t instanceof SSLException || t instanceof CertificateException) return failure("tls", null, message(t), null, ms, false);
        }
        String msg = message(e);
        if (msg.contains("STARTTLS")) return failure("tls", null, msg, null, ms, false);
        if (msg.contains("Server is not trusted") || msg.contains("identity")) return failure("tls", null, msg, null, ms, false);
        Matcher greeting = GREETING.matcher(msg);
        if (greeting.find()) {
            int code = Integer.parseInt(greeting.group(1));
            return failure(SMTP_STATUS, code, "the relay refused the connection: " + msg, null, ms, false);
        }
        for (Throwable t = e; t != null; t = next(t)) {
            if (t instanceof MailConnectException || t instanceof ConnectException) return failure("connect", null, message(t), null, ms, false);
        }
        return failure("io", null, msg, null, ms, false);
    }

    /**
     * Where in the transaction the reply came: {@code at MAIL FROM}, {@code at RCPT TO}, {@code at DATA} (the
     * command), or {@code after DATA} (the reply to the message's content, which Jakarta Mail reports as
     * the command {@code .} that ends it).
     */
    private static String where(String c) {
        if (c == null) return "at SMTP";
        if (c.equals(".") || c.startsWith(".\r") || c.startsWith(".\n")) return "after DATA";
        if (c.startsWith("MAIL")) return "at MAIL FROM";
        if (c.startsWith("RCPT")) return "at RCPT TO";
        if (c.startsWith("DATA")) return "at DATA";
        return "at " + (c.length() > 20 ? c.substring(0, 20) : c);
    }

    private static Throwable next(Throwable t) {
        if (t instanceof MessagingException m && m.getNextException() != null && m.getNextException() != t) return m.getNextException();
        return t.getCause() == t ? null : t.getCause();
    }

    private static String reply(String message) {
        return message == null ? "" : message.strip();
    }

    private static String message(Throwable t) {
        String m = t.getMessage();
        String s = (m == null ? t.getClass().getSimpleName() : m).strip();
        return s.length() > 500 ? s.substring(0, 500) : s;
    }

    private static String cut(String s) {
        if (s == null) return null;
        String t = s.strip();
        return t.length() > MAX_REPLY ? t.substring(0, MAX_REPLY) : t;
    }
}
