package dev.herald.email;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.delivery.AttemptOutcome;
import dev.herald.util.Addresses;
import jakarta.mail.AuthenticationFailedException;
import jakarta.mail.MessagingException;
import jakarta.mail.SendFailedException;
import jakarta.mail.internet.InternetAddress;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import javax.net.ssl.SSLHandshakeException;
import org.eclipse.angus.mail.smtp.SMTPAddressFailedException;
import org.eclipse.angus.mail.smtp.SMTPSendFailedException;
import org.eclipse.angus.mail.smtp.SMTPSenderFailedException;
import org.eclipse.angus.mail.util.MailConnectException;
import org.eclipse.angus.mail.util.SocketConnectException;
import org.junit.jupiter.api.Test;

/** SMTP replies and errors to outcomes: 5xx to the message is permanent, everything else retries. */
class SmtpOutcomesTest {
    static SendFailedException rcpt(int code, String reply) throws Exception {
        SendFailedException e = new SendFailedException("Invalid Addresses");
        e.setNextException(new SMTPAddressFailedException(new InternetAddress("a@example.com"), "RCPT TO:<a@example.com>", code, reply));
        return e;
    }

    @Test
    void a5xxToTheMessageIsPermanentWithTheServersReply() throws Exception {
        AttemptOutcome o = SmtpOutcomes.of(rcpt(550, "550 5.1.1 user unknown\n"), 12);
        assertThat(o.success()).isFalse();
        assertThat(o.permanent()).isTrue();
        assertThat(o.statusCode()).isEqualTo(550);
        assertThat(o.errorKind()).isEqualTo("smtp_status");
        assertThat(o.responseBody()).isEqualTo("550 5.1.1 user unknown");
        assertThat(o.errorMessage()).isEqualTo("rejected at RCPT TO: 550 5.1.1 user unknown");
        assertThat(o.summary()).isEqualTo("smtp_status 550: rejected at RCPT TO: 550 5.1.1 user unknown");
        AttemptOutcome data = SmtpOutcomes.of(new SMTPSendFailedException("DATA", 554, "554 5.6.0 message refused", null, null, null, null), 1);
        assertThat(data.permanent()).isTrue();
        assertThat(data.errorMessage()).startsWith("rejected at DATA");
        // The reply to the content itself: Jakarta Mail names the command "." that ends it.
        AttemptOutcome content = SmtpOutcomes.of(new SMTPSendFailedException(".", 550, "550 5.7.1 message content rejected", null, null, null, null), 1);
        assertThat(content.errorMessage()).isEqualTo("rejected after DATA: 550 5.7.1 message content rejected");
        AttemptOutcome from = SmtpOutcomes.of(new SMTPSenderFailedException(new InternetAddress("f@example.com"), "MAIL FROM:<f@example.com>", 553,
                "553 sender rejected"), 1);
        assertThat(from.permanent()).isTrue();
        assertThat(from.errorMessage()).startsWith("rejected at MAIL FROM");
    }

    @Test
    void a4xxIsRetried() throws Exception {
        AttemptOutcome o = SmtpOutcomes.of(rcpt(451, "451 4.7.1 greylisted"), 3);
        assertThat(o.permanent()).isFalse();
        assertThat(o.statusCode()).isEqualTo(451);
        assertThat(o.errorMessage()).startsWith("deferred at RCPT TO");
    }

    @Test
    void authenticationTroubleIsTheRelaysSettingsAndRetried() throws Exception {
        AttemptOutcome o = SmtpOutcomes.of(new AuthenticationFailedException("535 5.7.8 Authentication credentials invalid\n"), 1);
        assertThat(o.errorKind()).isEqualTo("smtp_auth");
        assertThat(o.statusCode()).isEqualTo(535);
        assertThat(o.permanent()).isFalse();
        AttemptOutcome required = SmtpOutcomes.of(new SMTPSendFailedException("MAIL FROM:<a@b.c>", 530, "530 5.7.0 Authentication required", null, null,
                null, null), 1);
        assertThat(required.errorKind()).isEqualTo("smtp_auth");
        assertThat(required.permanent()).isFalse();
    }

    @Test
    void networkAndTlsTroubleIsRetried() {
        assertThat(SmtpOutcomes.of(new MailConnectException(new SocketConnectException("refused", new ConnectException("Connection refused"), "h", 25, 0)), 1)
                .errorKind()).isEqualTo("connect");
        assertThat(SmtpOutcomes.of(new MessagingException("x", new SocketTimeoutException("Read timed out")), 1).errorKind()).isEqualTo("timeout");
        assertThat(SmtpOutcomes.of(new MessagingException("Could not convert socket to TLS", new SSLHandshakeException("PKIX path building failed")), 1)
                .errorKind()).isEqualTo("tls");
        assertThat(SmtpOutcomes.of(new MessagingException("STARTTLS is required but host does not support STARTTLS"), 1).errorKind()).isEqualTo("tls");
        AttemptOutcome greeting = SmtpOutcomes.of(new MessagingException("Got bad greeting from SMTP host: h, port: 25, response: 554"), 1);
        assertThat(greeting.statusCode()).isEqualTo(554);
        assertThat(greeting.permanent()).isFalse();
        assertThat(SmtpOutcomes.of(new MessagingException("Exception reading response", new java.io.EOFException()), 1).errorKind()).isEqualTo("io");
        for (AttemptOutcome o : new AttemptOutcome[] {SmtpOutcomes.timeout(30_000)}) assertThat(o.permanent()).isFalse();
    }
}
