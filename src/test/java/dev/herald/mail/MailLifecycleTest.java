package dev.herald.mail;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.metrics.Metrics;
import dev.herald.support.Api;
import dev.herald.support.Deliveries;
import dev.herald.support.MutableClock;
import dev.herald.support.SmtpClient;
import dev.herald.support.TestHerald;
import dev.herald.util.Json;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** Loops, expiring URLs, replay, listing filters, retention and the stored-size metrics, on an injected clock. */
class MailLifecycleTest {
    static byte[] mail(String id, String subject, String headers) {
        return ("From: Bob <bob@sender.test>\r\nTo: x@example.test\r\nSubject: " + subject + "\r\nMessage-ID: " + id + "\r\n" + headers
                + "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nhello\r\n--b\r\n"
                + "Content-Type: text/csv; name=a.csv\r\nContent-Disposition: attachment; filename=a.csv\r\n\r\na,b\r\n--b--\r\n")
                .getBytes(StandardCharsets.US_ASCII);
    }

    static JsonNode post(MailFixture f, byte[] raw) throws Exception {
        HttpResponse<String> r = MailInboxTest.post(f, f.api.key(), "message/rfc822", raw, "");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
        return Json.parse(r.body());
    }

    @Test
    void heraldsOwnMailComingBackIsHeldAutoRepliesAreFlaggedAndEndlessRelaysRefused() throws Exception {
        try (dev.herald.support.SmtpSink sink = new dev.herald.support.SmtpSink();
             MailFixture f = MailFixture.start(dev.herald.support.Emails.smtp(sink))) {
            f.catchAll("generic_json");
            Api.Res sent = f.api.post("/api/v1/emails", "{\"to\":[\"x@example.test\"],\"subject\":\"hi\",\"text\":\"hello\"}");
            assertThat(sent.status()).as(sent.toString()).isEqualTo(202);
            JsonNode loop = post(f, mail(sent.str("message_id"), "hi", ""));
            assertThat(loop.get("loop").asBoolean()).isTrue();
            assertThat(loop.get("deliveries").asInt()).isZero();
            JsonNode stored = Json.parse(f.api.get("/api/v1/messages/" + loop.get("id").asString()).text());
            assertThat(stored.get("flags").toString()).contains("loop");
            assertThat(stored.get("event_id").isNull()).as("no email.received event for a loop").isTrue();

            JsonNode auto = post(f, mail("<auto@sender.test>", "Out of office", "Auto-Submitted: auto-replied\r\n"));
            assertThat(auto.get("deliveries").asInt()).isEqualTo(1);
            JsonNode doc = Json.parse(f.receiver.await(r -> Json.parse(r.body()).path("message_id").asString().equals("<auto@sender.test>"), 1,
                    Duration.ofSeconds(30)).get(0).body());
            assertThat(doc.get("auto_submitted").asString()).isEqualTo("auto-replied");
            assertThat(doc.get("flags").toString()).contains("auto_submitted");

            String hops = "Received: from a by b; Mon, 1 Jan 2026 00:00:00 +0000\r\n".repeat(MailIntake.MAX_HOPS + 1);
            try (SmtpClient c = new SmtpClient(f.smtpPort())) {
                c.greeting();
                List<SmtpClient.Reply> replies = c.send("bob@sender.test", List.of("x@example.test"), mail("<hops@sender.test>", "loop", hops));
                assertThat(replies.get(replies.size() - 1).code()).isEqualTo(554);
            }
            HttpResponse<String> refused = MailInboxTest.post(f, f.api.key(), "message/rfc822", mail("<hops2@sender.test>", "loop", hops), "");
            assertThat(refused.statusCode()).isEqualTo(422);
            assertThat(Json.parse(refused.body()).get("error").get("code").asString()).isEqualTo("mail_loop");
        }
    }

    @Test
    void preSignedUrlsExpireAndReplayFiltersAndRetentionWork() throws Exception {
        MutableClock clock = new MutableClock();
        try (MailFixture f = new MailFixture(TestHerald.start(Map.of(), clock))) {
            String route = f.catchAll("generic_json");
            JsonNode a = post(f, mail("<one@sender.test>", "first invoice", ""));
            post(f, mail("<two@sender.test>", "second note", ""));
            Deliveries.awaitSettled(f.api);
            JsonNode doc = Json.parse(f.api.get("/api/v1/messages/" + a.get("id").asString()).text()).get("document");
            String attachment = doc.get("body").get("attachments").get(0).get("id").asString();
            Api.Res u = f.api.get("/api/v1/messages/" + a.get("id").asString() + "/attachments/" + attachment + "/url");
            assertThat(u.status()).as(u.toString()).isEqualTo(200);
            assertThat(MailSmtpTest.fetch(u.str("url")).body()).isEqualTo("a,b".getBytes(StandardCharsets.US_ASCII));
            clock.advance(Duration.ofMinutes(15).plusSeconds(1));
            assertThat(MailSmtpTest.fetch(u.str("url")).statusCode()).as("15 minutes later").isEqualTo(403);

            // Filters: subject contains, Message-ID, sender; newest first with a cursor.
            assertThat(f.api.get("/api/v1/messages?subject=INVOICE").json().get("data")).hasSize(1);
            assertThat(f.api.get("/api/v1/messages?message_id=%3Ctwo%40sender.test%3E").json().get("data").get(0).get("subject").asString())
                    .isEqualTo("second note");
            assertThat(f.api.get("/api/v1/messages?from=BOB@sender.test").json().get("data")).hasSize(2);
            Api.Res page = f.api.get("/api/v1/messages?limit=1");
            assertThat(page.json().get("data").get(0).get("message_id").asString()).isEqualTo("<two@sender.test>");
            Api.Res next = f.api.get("/api/v1/messages?limit=1&cursor=" + page.json().get("next_cursor").asString());
            assertThat(next.json().get("data").get(0).get("message_id").asString()).isEqualTo("<one@sender.test>");
            assertThat(f.api.get("/api/v1/messages?since=yesterday").status()).isEqualTo(400);
            assertThat(f.herald.newProject("other").get("/api/v1/messages/" + a.get("id").asString()).status()).as("another project's").isEqualTo(404);

            // Replay: the same idempotency key as the first delivery.
            Api.Res replay = f.api.post("/api/v1/messages/" + a.get("id").asString() + "/replay", "");
            assertThat(replay.status()).as(replay.toString()).isEqualTo(202);
            assertThat(replay.json().get("deliveries").asInt()).isEqualTo(1);
            List<dev.herald.support.Receiver.Request> ones = f.receiver.await(r -> Json.parse(r.body()).path("message_id").asString()
                    .equals("<one@sender.test>"), 2, Duration.ofSeconds(30));
            assertThat(ones.get(1).header("X-Idempotency-Key")).isEqualTo(ones.get(0).header("X-Idempotency-Key"));
            f.checkContract(ones.get(1), "<one@sender.test>", route);

            // Retention: nothing is younger than 30 days yet; 31 days on, both go, with their attachments.
            Metrics metrics = new Metrics();
            MailMessages retention = new MailMessages(f.herald.herald().database(), null, metrics, clock, Duration.ofDays(30));
            assertThat(retention.prune()).isZero();
            assertThat(metrics.scrape()).contains("herald_mail_stored_messages 2.0").contains("herald_mail_stored_bytes{part=\"attachments\"} 6.0");
            clock.advance(Duration.ofDays(31));
            assertThat(retention.prune()).isEqualTo(2);
            assertThat(f.api.get("/api/v1/messages").json().get("data")).isEmpty();
            assertThat(MailSmtpTest.fetch(f.api.get("/api/v1/messages").text().isEmpty() ? "" : u.str("url")).statusCode()).isEqualTo(403);
            assertThat(metrics.scrape()).contains("herald_mail_stored_messages 0.0");
            assertThat(f.api.get("/metrics").text()).contains("herald_mail_received_total{outcome=\"accepted\",transport=\"http\"}");
        }
    }
}
