package dev.herald.email;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.support.Api;
import dev.herald.support.Await;
import dev.herald.support.Deliveries;
import dev.herald.support.Emails;
import dev.herald.support.SmtpSink;
import dev.herald.support.TestHerald;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** Email end to end over plain SMTP: a real Herald sending to a real SMTP server. */
class EmailSendTest {
    static final Duration WAIT = Await.PATIENCE;
    static SmtpSink sink;
    static TestHerald herald;
    static Api api;

    @BeforeAll
    static void start() {
        sink = new SmtpSink();
        herald = TestHerald.start(Emails.smtp(sink, "NOTIFICATION_SMTP_FROM", "Hérald Notifier <noreply@herald.test>", "NOTIFICATION_SMTP_CONNECTIONS", "1"));
        api = herald.newProject("email");
    }

    @AfterAll
    static void stop() {
        herald.close();
        sink.close();
    }

    static List<SmtpSink.Received> to(String address) {
        return sink.received().stream().filter(r -> r.recipients().contains(address)).toList();
    }

    static byte[] storedBody(String emailId) {
        return herald.herald().database().read(h -> h.createQuery("SELECT body FROM messages WHERE id = :id").bind("id", emailId)
                .mapTo(byte[].class).one());
    }

    @Test
    void aStandardMessageWithTextAndHtmlNonAsciiSubjectAndNamesAndARecordedMessageId() throws Exception {
        String id = Emails.send(api, """
                {"to":[{"email":"zoe@example.com","name":"Zoë Ünïcode, Jr."}, "Plain Name <plain@example.com>"],
                 "subject":"Grüße — café ☕ 日本語 subject that is long enough to need folding across more than one header line",
                 "text":"Hello Zoë,\\nline two","html":"<p>Hello <b>Zoë</b></p>"}""");
        JsonNode email = Emails.awaitFinal(api, id, WAIT);
        assertThat(email.get("status").asString()).isEqualTo("sent");
        String messageId = email.get("message_id").asString();
        assertThat(messageId).isEqualTo("<" + id + "@herald.test>");
        assertThat(email.get("deliveries")).hasSize(2);
        assertThat(email.get("deliveries").get(0).get("recipient").asString()).isIn("zoe@example.com", "plain@example.com");
        assertThat(email.get("deliveries").get(0).get("attempts").get(0).get("status_code").asInt()).isEqualTo(250);

        List<SmtpSink.Received> got = to("zoe@example.com");
        assertThat(got).hasSize(1);
        SmtpSink.Received r = got.get(0);
        assertThat(r.from()).isEqualTo("noreply@herald.test");
        assertThat(r.recipients()).containsExactly("zoe@example.com");
        assertThat(to("plain@example.com")).hasSize(1);
        // On the wire: ASCII only, RFC 2047 words, CRLF line ends, every line within 998 characters.
        assertThat(r.text()).doesNotContainPattern("[^\\x00-\\x7f]");
        assertThat(r.text()).contains("=?UTF-8?");
        assertThat(r.text().replace("\r\n", "")).doesNotContain("\n").doesNotContain("\r");
        for (String line : r.text().split("\r\n")) assertThat(line.length()).isLessThanOrEqualTo(998);

        MimeMessage m = r.parse();
        assertThat(m.getSubject()).isEqualTo("Grüße — café ☕ 日本語 subject that is long enough to need folding across more than one header line");
        InternetAddress from = (InternetAddress) m.getFrom()[0];
        assertThat(from.getAddress()).isEqualTo("noreply@herald.test");
        assertThat(from.getPersonal()).isEqualTo("Hérald Notifier");
        InternetAddress zoe = (InternetAddress) m.getRecipients(jakarta.mail.Message.RecipientType.TO)[0];
        assertThat(zoe.getPersonal()).isEqualTo("Zoë Ünïcode, Jr.");
        assertThat(m.getRecipients(jakarta.mail.Message.RecipientType.TO)).hasSize(2);
        assertThat(m.getMessageID()).isEqualTo(messageId);
        assertThat(m.getHeader("Date")[0]).matches("[A-Z][a-z]{2}, \\d{1,2} [A-Z][a-z]{2} \\d{4} \\d{2}:\\d{2}:\\d{2} \\+0000");
        assertThat(m.getSentDate()).isNotNull();
        assertThat(m.getContentType()).startsWith("multipart/alternative");
        MimeMultipart alt = (MimeMultipart) m.getContent();
        assertThat(alt.getCount()).isEqualTo(2);
        assertThat(alt.getBodyPart(0).getContentType()).startsWith("text/plain").containsIgnoringCase("charset=UTF-8");
        assertThat(alt.getBodyPart(0).getContent()).isEqualTo("Hello Zoë,\r\nline two\r\n");
        assertThat(alt.getBodyPart(1).getContentType()).startsWith("text/html");
        assertThat(alt.getBodyPart(1).getContent()).isEqualTo("<p>Hello <b>Zoë</b></p>\r\n");
        // Every recipient got exactly the stored bytes.
        assertThat(r.data()).isEqualTo(storedBody(id));
        assertThat(to("plain@example.com").get(0).data()).isEqualTo(storedBody(id));
    }

    @Test
    void textOnlyAndHtmlOnlyAreSinglePartMessages() throws Exception {
        String t = Emails.send(api, "{\"to\":[\"t@example.com\"],\"subject\":\"text\",\"text\":\"just text\"}");
        String h = Emails.send(api, "{\"to\":[\"h@example.com\"],\"subject\":\"html\",\"html\":\"<i>just html</i>\"}");
        Emails.awaitFinal(api, t, WAIT);
        Emails.awaitFinal(api, h, WAIT);
        assertThat(to("t@example.com").get(0).parse().getContentType()).startsWith("text/plain");
        assertThat(to("h@example.com").get(0).parse().getContentType()).startsWith("text/html");
        assertThat(to("h@example.com").get(0).parse().getContent()).isEqualTo("<i>just html</i>\r\n");
    }

    @Test
    void oneConnectionCarriesManyMessages() {
        int before = sink.sessions();
        List<String> ids = new java.util.ArrayList<>();
        for (int i = 0; i < 8; i++) ids.add(Emails.send(api, "{\"to\":[\"reuse" + i + "@example.com\"],\"subject\":\"n" + i + "\",\"text\":\"x\"}"));
        for (String id : ids) assertThat(Emails.awaitFinal(api, id, WAIT).get("status").asString()).isEqualTo("sent");
        // NOTIFICATION_SMTP_CONNECTIONS=1: eight messages, at most one new connection (none if the previous one was still open).
        assertThat(sink.sessions() - before).isLessThanOrEqualTo(1);
        assertThat(herald.herald().email().connectionsOpened()).isLessThanOrEqualTo(sink.sessions());
    }

    @Test
    void aTemporaryRefusalIsRetriedWithTheSameBytesAndSucceeds() {
        sink.rejectRcpt("busy@example.com", 451);
        sink.rejectData("later@example.com", 452);
        String a = Emails.send(api, "{\"to\":[\"busy@example.com\"],\"subject\":\"retry me\",\"text\":\"x\"}");
        String b = Emails.send(api, "{\"to\":[\"later@example.com\"],\"subject\":\"retry data\",\"text\":\"y\"}");
        JsonNode ea = Emails.awaitFinal(api, a, WAIT);
        JsonNode eb = Emails.awaitFinal(api, b, WAIT);
        assertThat(ea.get("status").asString()).isEqualTo("sent");
        JsonNode attempts = ea.get("deliveries").get(0).get("attempts");
        assertThat(attempts).hasSize(2);
        assertThat(attempts.get(0).get("status_code").asInt()).isEqualTo(451);
        assertThat(attempts.get(0).get("error_kind").asString()).isEqualTo("smtp_status");
        assertThat(attempts.get(0).get("error_message").asString()).contains("RCPT TO").contains("451");
        assertThat(attempts.get(1).get("status_code").asInt()).isEqualTo(250);
        assertThat(eb.get("deliveries").get(0).get("attempts").get(0).get("status_code").asInt()).isEqualTo(452);
        assertThat(eb.get("deliveries").get(0).get("attempts").get(0).get("error_message").asString()).contains("DATA");
        assertThat(to("later@example.com")).hasSize(1);
        assertThat(to("later@example.com").get(0).data()).isEqualTo(storedBody(b));
    }

    @Test
    void aPermanentRefusalDeadLettersAtOnceWithTheRepliesAndCanBeReplayed() {
        sink.rejectRcpt("nobody@example.com", 550);
        String id = Emails.send(api, "{\"to\":[\"nobody@example.com\",\"somebody@example.com\"],\"subject\":\"partial\",\"text\":\"x\"}");
        JsonNode email = Emails.awaitFinal(api, id, WAIT);
        assertThat(email.get("status").asString()).isEqualTo("partial");
        JsonNode dead = null;
        for (JsonNode d : email.get("deliveries")) if (d.get("recipient").asString().equals("nobody@example.com")) dead = d;
        assertThat(dead.get("status").asString()).isEqualTo("dead");
        assertThat(dead.get("attempt_count").asInt()).isEqualTo(1);
        assertThat(dead.get("last_status_code").asInt()).isEqualTo(550);
        assertThat(dead.get("dead_reason").asString()).contains("550").contains("5.1.1 scripted reply for nobody@example.com");
        assertThat(dead.get("attempts").get(0).get("response_body").asString()).contains("550 5.1.1");

        JsonNode letters = api.get("/api/v1/dead-letters?channel=email").json().get("data");
        assertThat(letters.findValuesAsString("id")).contains(dead.get("id").asString());
        JsonNode letter = letters.get(0);
        assertThat(letter.get("channel").asString()).isEqualTo("email");
        assertThat(letter.get("email_id").asString()).isEqualTo(id);
        assertThat(letter.get("recipient").asString()).isEqualTo("nobody@example.com");
        assertThat(api.get("/api/v1/dead-letters?email_id=" + id).json().get("data")).hasSize(1);
        assertThat(api.get("/api/v1/deliveries?channel=webhook").json().get("data")).isEmpty();

        // The sink now accepts the address: a replay sends it.
        Api.Res replay = api.post("/api/v1/dead-letters/replay", "{\"email_id\":\"" + id + "\"}");
        assertThat(replay.status()).as(replay.toString()).isEqualTo(202);
        assertThat(replay.json().get("replayed").asInt()).isEqualTo(1);
        assertThat(Emails.awaitFinal(api, id, WAIT).get("status").asString()).isEqualTo("sent");
        assertThat(to("nobody@example.com")).hasSize(1);
    }

    @Test
    void aRefusalOfTheContentSaysItCameAfterData() {
        sink.rejectData("content@example.com", 554);
        String id = Emails.send(api, "{\"to\":[\"content@example.com\"],\"subject\":\"refused content\",\"text\":\"x\"}");
        JsonNode dead = Emails.awaitFinal(api, id, WAIT).get("deliveries").get(0);
        assertThat(dead.get("status").asString()).isEqualTo("dead");
        assertThat(dead.at("/attempts/0/error_message").asString()).startsWith("rejected after DATA: 554");
        assertThat(dead.get("dead_reason").asString()).contains("rejected after DATA: 554").doesNotContain("at .");
    }

    @Test
    void aDeliveryOfAnEmailCanBeRetriedByIdLikeAnyOther() {
        String id = Emails.send(api, "{\"to\":[\"again@example.com\"],\"subject\":\"twice\",\"text\":\"x\"}");
        JsonNode e = Emails.awaitFinal(api, id, WAIT);
        String delivery = e.get("deliveries").get(0).get("id").asString();
        Api.Res r = api.post("/api/v1/deliveries/" + delivery + "/retry", "");
        assertThat(r.status()).as(r.toString()).isEqualTo(202);
        assertThat(r.json().get("recipient").asString()).isEqualTo("again@example.com");
        Await.until("the retried email received a second time", () -> to("again@example.com").size() >= 2);
        // The retry is recorded and nothing else is queued: no third copy can come.
        Deliveries.awaitSettled(api);
        assertThat(to("again@example.com")).hasSize(2);
        assertThat(to("again@example.com").get(1).data()).isEqualTo(to("again@example.com").get(0).data());
    }

    @Test
    void anIdempotencyKeyReturnsTheFirstAnswer() {
        String body = "{\"to\":[\"idem@example.com\"],\"subject\":\"once\",\"text\":\"x\"}";
        Api.Res first = api.post("/api/v1/emails", body, Map.of("Idempotency-Key", "mail-1"));
        Api.Res again = api.post("/api/v1/emails", body, Map.of("Idempotency-Key", "mail-1"));
        assertThat(first.status()).isEqualTo(202);
        assertThat(again.status()).isEqualTo(202);
        assertThat(again.header("Idempotent-Replayed")).isEqualTo("true");
        assertThat(again.str("id")).isEqualTo(first.str("id"));
        assertThat(again.str("message_id")).isEqualTo(first.str("message_id"));
        Api.Res other = api.post("/api/v1/emails", body.replace("once", "twice"), Map.of("Idempotency-Key", "mail-1"));
        assertThat(other.status()).isEqualTo(422);
        Emails.awaitFinal(api, first.str("id"), WAIT);
        // Nothing of the project is waiting or in flight: a second copy can no longer come.
        Deliveries.awaitSettled(api);
        assertThat(to("idem@example.com")).hasSize(1);
    }
}
