package dev.herald.email;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.support.Api;
import dev.herald.support.Await;
import dev.herald.support.CapturedLogs;
import dev.herald.support.Emails;
import dev.herald.support.SmtpSink;
import dev.herald.support.TestCerts;
import dev.herald.support.TestHerald;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * TLS and AUTH against a real SMTP server with a certificate from a private CA (trusted through
 * SECURITY_OUTBOUND_CA_FILE): STARTTLS, implicit TLS, no silent fallback to plain text, host name
 * checks, and credentials that never leave Herald unprotected or reach a log line.
 */
class SmtpTlsAndAuthTest {
    static final Duration WAIT = Await.PATIENCE;
    static final String PASSWORD = "smtp-pass-SECRET7";

    @TempDir
    Path dir;

    /** Sends one email and returns it once final (retries off: one attempt). */
    static JsonNode sendOne(Map<String, String> settings) {
        try (TestHerald h = TestHerald.start(settings)) {
            Api api = h.newProject("tls");
            String id = Emails.send(api, "{\"to\":[\"tls@example.com\"],\"subject\":\"secure\",\"text\":\"over TLS\"}");
            return Emails.awaitFinal(api, id, WAIT);
        }
    }

    static JsonNode firstAttempt(JsonNode email) {
        return email.get("deliveries").get(0).get("attempts").get(0);
    }

    Map<String, String> settings(SmtpSink sink, TestCerts certs, String tls, String host, String... more) {
        Map<String, String> s = Emails.smtp(sink, more);
        s.put("NOTIFICATION_SMTP_TLS", tls);
        s.put("NOTIFICATION_SMTP_HOST", host);
        s.put("NOTIFICATION_SMTP_RETRY_SCHEDULE", "");
        if (certs != null) s.put("SECURITY_OUTBOUND_CA_FILE", certs.caPem().toString());
        return s;
    }

    @Test
    void starttlsUpgradesBeforeTheMessageAndChecksTheCertificate() {
        TestCerts certs = TestCerts.forHost("localhost", dir);
        try (SmtpSink sink = new SmtpSink(new SmtpSink.Options().startTls(certs.server(), true))) {
            JsonNode email = sendOne(settings(sink, certs, "starttls", "localhost"));
            assertThat(email.get("status").asString()).as(email.toString()).isEqualTo("sent");
            assertThat(sink.received()).hasSize(1);
            assertThat(sink.received().get(0).tls()).isTrue();
        }
    }

    @Test
    void implicitTlsSpeaksTlsFromTheFirstByte() {
        TestCerts certs = TestCerts.forHost("localhost", dir);
        try (SmtpSink sink = new SmtpSink(new SmtpSink.Options().implicitTls(certs.server()))) {
            JsonNode email = sendOne(settings(sink, certs, "tls", "localhost"));
            assertThat(email.get("status").asString()).as(email.toString()).isEqualTo("sent");
            assertThat(sink.received()).hasSize(1);
        }
    }

    @Test
    void aRelayThatDoesNotOfferStarttlsGetsNothingInPlainText() {
        try (SmtpSink sink = new SmtpSink(new SmtpSink.Options().noTls())) {
            JsonNode email = sendOne(settings(sink, null, "starttls", "127.0.0.1"));
            assertThat(email.get("status").asString()).isEqualTo("failed");
            JsonNode a = firstAttempt(email);
            assertThat(a.get("error_kind").asString()).isEqualTo("tls");
            assertThat(a.get("error_message").asString()).contains("STARTTLS");
            assertThat(sink.received()).isEmpty();
        }
    }

    @Test
    void aCertificateForAnotherNameIsRefused() {
        TestCerts certs = TestCerts.forHost("mail.elsewhere.test", dir);
        try (SmtpSink sink = new SmtpSink(new SmtpSink.Options().implicitTls(certs.server()))) {
            JsonNode email = sendOne(settings(sink, certs, "tls", "localhost"));
            assertThat(firstAttempt(email).get("error_kind").asString()).isEqualTo("tls");
            assertThat(sink.received()).isEmpty();
        }
    }

    @Test
    void aCertificateFromAnUntrustedCaIsRefused() {
        TestCerts certs = TestCerts.forHost("localhost", dir);
        try (SmtpSink sink = new SmtpSink(new SmtpSink.Options().startTls(certs.server(), true))) {
            JsonNode email = sendOne(settings(sink, null, "starttls", "localhost"));
            assertThat(firstAttempt(email).get("error_kind").asString()).isEqualTo("tls");
            assertThat(sink.received()).isEmpty();
        }
    }

    @Test
    void authOverStarttlsAndImplicitTls() {
        TestCerts certs = TestCerts.forHost("localhost", dir);
        try (SmtpSink sink = new SmtpSink(new SmtpSink.Options().startTls(certs.server(), true).auth("herald", PASSWORD))) {
            JsonNode email = sendOne(settings(sink, certs, "starttls", "localhost", "NOTIFICATION_SMTP_USERNAME", "herald",
                    "NOTIFICATION_SMTP_PASSWORD", PASSWORD));
            assertThat(email.get("status").asString()).as(email.toString()).isEqualTo("sent");
            assertThat(sink.received().get(0).authIdentity()).isEqualTo("herald");
        }
        try (SmtpSink sink = new SmtpSink(new SmtpSink.Options().implicitTls(certs.server()).auth("herald", PASSWORD))) {
            JsonNode email = sendOne(settings(sink, certs, "tls", "localhost", "NOTIFICATION_SMTP_USERNAME", "herald",
                    "NOTIFICATION_SMTP_PASSWORD", PASSWORD));
            assertThat(email.get("status").asString()).as(email.toString()).isEqualTo("sent");
            assertThat(sink.received().get(0).authIdentity()).isEqualTo("herald");
        }
    }

    @Test
    void refusedCredentialsAreRetriedNotDeadLetteredAtOnceAndNeverLogged() {
        CapturedLogs logs = CapturedLogs.start();
        TestCerts certs = TestCerts.forHost("localhost", dir);
        try (SmtpSink sink = new SmtpSink(new SmtpSink.Options().startTls(certs.server(), true).auth("herald", "another-password"))) {
            Map<String, String> s = settings(sink, certs, "starttls", "localhost", "NOTIFICATION_SMTP_USERNAME", "herald",
                    "NOTIFICATION_SMTP_PASSWORD", PASSWORD);
            s.put("NOTIFICATION_SMTP_RETRY_SCHEDULE", "100ms");
            try (TestHerald h = TestHerald.start(s)) {
                Api api = h.newProject("auth");
                String id = Emails.send(api, "{\"to\":[\"a@example.com\"],\"subject\":\"auth\",\"text\":\"x\"}");
                JsonNode email = Emails.awaitFinal(api, id, WAIT);
                JsonNode attempts = email.get("deliveries").get(0).get("attempts");
                assertThat(attempts).hasSize(2);
                assertThat(attempts.get(0).get("error_kind").asString()).isEqualTo("smtp_auth");
                assertThat(attempts.get(0).get("status_code").asInt()).isEqualTo(535);
                assertThat(email.toString()).doesNotContain(PASSWORD);
                assertThat(api.get("/api/v1/dead-letters").text()).doesNotContain(PASSWORD);
                assertThat(h.config().toString()).doesNotContain(PASSWORD);
                assertThat(sink.received()).isEmpty();
            }
        } finally {
            logs.close();
        }
        assertThat(logs.lines()).isNotEmpty();
        for (CapturedLogs.Line line : logs.lines()) {
            assertThat(line.text()).as("log line from " + line.logger()).doesNotContain(PASSWORD);
        }
    }

    @Test
    void aRelayOfferingAuthOnlyAfterStarttlsNeverSeesTheCredentialsInPlainText() {
        TestCerts certs = TestCerts.forHost("localhost", dir);
        try (SmtpSink sink = new SmtpSink(new SmtpSink.Options().startTls(certs.server(), true).auth("herald", PASSWORD))) {
            JsonNode email = sendOne(settings(sink, certs, "none", "localhost", "NOTIFICATION_SMTP_USERNAME", "herald",
                    "NOTIFICATION_SMTP_PASSWORD", PASSWORD));
            JsonNode a = firstAttempt(email);
            assertThat(a.get("error_kind").asString()).as(email.toString()).isEqualTo("smtp_auth");
            assertThat(a.get("error_message").asString()).contains("does not offer AUTH").contains("starttls");
            assertThat(sink.received()).isEmpty();
        }
    }
}
