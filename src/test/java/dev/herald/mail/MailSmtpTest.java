package dev.herald.mail;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.support.Api;
import dev.herald.support.Receiver;
import dev.herald.support.SmtpClient;
import dev.herald.support.TestCerts;
import dev.herald.util.Json;
import dev.herald.util.TrustAnchors;
import jakarta.activation.DataHandler;
import jakarta.mail.Session;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeBodyPart;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import jakarta.mail.util.ByteArrayDataSource;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import tools.jackson.databind.JsonNode;

/** Inbound mail end to end over SMTP: a real SMTP client, Herald's listener, a real HTTP endpoint. */
class MailSmtpTest {
    static final Session SESSION = Session.getInstance(new Properties());
    static final Duration WAIT = Duration.ofSeconds(30);

    static byte[] bytes(MimeMessage m) throws Exception {
        m.saveChanges();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        m.writeTo(out);
        return out.toByteArray();
    }

    /** multipart/alternative with a non-ASCII subject, sender name and bodies (UTF-8 text, ISO-8859-1 html). */
    static MimeMessage alternative(String messageId) throws Exception {
        MimeMessage m = new MimeMessage(SESSION) {
            @Override
            protected void updateMessageID() throws jakarta.mail.MessagingException {
                setHeader("Message-ID", messageId);
            }
        };
        m.setFrom(new InternetAddress("Zoe@Sender.test", "Zoë Çelik", "UTF-8"));
        m.setRecipients(jakarta.mail.Message.RecipientType.TO, "Support <Support@example.test>");
        m.setSubject("Grüße – ваш заказ №42", "UTF-8");
        MimeMultipart alt = new MimeMultipart("alternative");
        MimeBodyPart text = new MimeBodyPart();
        text.setText("Hallo, Grüße aus Köln!\n\nOn Mon, 1 Jan 2026 at 10:00, Support <support@example.test> wrote:\n> old text\n", "UTF-8", "plain");
        MimeBodyPart html = new MimeBodyPart();
        html.setText("<p>Hallo, Gr\u00fc\u00dfe aus K\u00f6ln!</p>", "ISO-8859-1", "html");
        alt.addBodyPart(text);
        alt.addBodyPart(html);
        m.setContent(alt);
        return m;
    }

    @ParameterizedTest
    @EnumSource(MailFixture.Transport.class)
    void aMultipartMessageReachesTheEndpointOnTheSeedsContract(MailFixture.Transport t) throws Exception {
        try (MailFixture f = MailFixture.start(Map.of())) {
            String route = f.catchAll("generic_json");
            byte[] raw = bytes(alternative("<order-42@sender.test>"));
            f.deliver(t, "zoe@sender.test", "support@example.test", raw);
            Receiver.Request r = f.receiver.await("/mail", 1, WAIT).get(0);
            JsonNode doc = f.checkContract(r, "<order-42@sender.test>", route);
            MailFixture.assertSchema(doc);
            assertThat(doc.get("message_id").asString()).isEqualTo("<order-42@sender.test>");
            assertThat(doc.get("subject").asString()).isEqualTo("Grüße – ваш заказ №42");
            assertThat(doc.get("from").get("address").asString()).isEqualTo("zoe@sender.test");
            assertThat(doc.get("from").get("name").asString()).isEqualTo("Zoë Çelik");
            assertThat(doc.get("to").get(0).get("address").asString()).isEqualTo("support@example.test");
            assertThat(doc.get("body").get("text").asString()).contains("Grüße aus Köln");
            assertThat(doc.get("body").get("html").asString()).contains("Grüße aus Köln");
            assertThat(doc.get("body").get("reply_text").asString()).contains("Grüße aus Köln").doesNotContain("old text");
            JsonNode env = doc.get("envelope");
            assertThat(env.get("mail_from").asString()).isEqualTo("zoe@sender.test");
            assertThat(env.get("rcpt_to").get(0).asString()).isEqualTo("support@example.test");
            assertThat(env.get("remote_address").asString()).isEqualTo("127.0.0.1");
            assertThat(env.get("tls").asBoolean()).isFalse();
            assertThat(env.get("transport").asString()).isEqualTo(t.name().toLowerCase(java.util.Locale.ROOT));
            if (t == MailFixture.Transport.SMTP) assertThat(env.get("helo").asString()).isEqualTo("client.test");

            // The stored message: listed, shown with its route's delivery, raw bytes as received (plus Herald's Received line).
            Api.Res list = f.api.get("/api/v1/messages");
            assertThat(list.json().get("data")).hasSize(1);
            String id = list.json().get("data").get(0).get("id").asString();
            JsonNode one = Json.parse(f.api.get("/api/v1/messages/" + id).text());
            assertThat(one.get("routes").get(0).get("route_id").asString()).isEqualTo(route);
            dev.herald.support.Await.until("the delivery is recorded as succeeded", () ->
                    Json.parse(f.api.get("/api/v1/messages/" + id).text()).get("routes").get(0).get("deliveries").get(0).get("status").asString()
                            .equals("succeeded"));
            Api.Res rawRes = f.api.get("/api/v1/messages/" + id + "/raw");
            assertThat(rawRes.header("Content-Type")).startsWith("message/rfc822");
            assertThat(rawRes.text()).contains("Message-ID: <order-42@sender.test>");
            if (t == MailFixture.Transport.SMTP) assertThat(rawRes.text()).as("the listener's Received line").startsWith("Received: ");
        }
    }

    @Test
    void jakartaMailsSmtpClientDeliversAndTheDeliveryIsListedUnderItsChannel() throws Exception {
        try (MailFixture f = MailFixture.start(Map.of())) {
            f.catchAll("generic_json");
            Properties p = new Properties();
            p.put("mail.smtp.host", "127.0.0.1");
            p.put("mail.smtp.port", Integer.toString(f.smtpPort()));
            Session client = Session.getInstance(p);
            MimeMessage m = new MimeMessage(client, new java.io.ByteArrayInputStream(bytes(alternative("<jakarta@sender.test>"))));
            jakarta.mail.Transport.send(m, new InternetAddress[] {new InternetAddress("support@example.test")});
            JsonNode doc = Json.parse(f.receiver.await("/mail", 1, WAIT).get(0).body());
            assertThat(doc.get("subject").asString()).isEqualTo("Grüße – ваш заказ №42");
            assertThat(doc.get("body").get("html").asString()).contains("Grüße aus Köln");
            dev.herald.support.Await.until("the delivery listed as succeeded under channel=mail_endpoint", () -> {
                JsonNode d = f.api.get("/api/v1/deliveries?channel=mail_endpoint").json().get("data");
                return d.size() == 1 && d.get(0).get("status").asString().equals("succeeded") && d.get(0).get("endpoint_id").asString().equals(f.endpointId);
            });
            assertThat(f.api.get("/api/v1/deliveries?channel=nope").json().get("error").get("message").asString()).contains("mail_endpoint");
        }
    }

    @Test
    void authIsRequiredWhenConfiguredAndConnectionsAreLimited() throws Exception {
        Path dir = Files.createTempDirectory("smtp-auth");
        TestCerts certs = TestCerts.forHost("mx.example.test", dir);
        try (MailFixture f = MailFixture.start(Map.of("HERALD_MAIL_SMTP_AUTH_USERNAME", "relay", "HERALD_MAIL_SMTP_AUTH_PASSWORD", "s3cret pass",
                "HERALD_MAIL_SMTP_TLS_CERT_FILE", certs.serverCertPem().toString(), "HERALD_MAIL_SMTP_TLS_KEY_FILE", certs.serverKeyPem().toString(),
                "HERALD_MAIL_SMTP_MAX_CONNECTIONS", "1"))) {
            f.catchAll("generic_json");
            try (SmtpClient c = new SmtpClient(f.smtpPort())) {
                c.greeting();
                assertThat(c.command("EHLO client.test").text()).doesNotContain("AUTH");
                assertThat(c.command("MAIL FROM:<a@sender.test>").code()).as("AUTH is required").isEqualTo(530);
                // The connection limit: a second connection while this one is open is turned away.
                try (SmtpClient second = new SmtpClient(f.smtpPort())) {
                    assertThat(second.greeting().code()).isEqualTo(421);
                }
                c.startTls(TrustAnchors.clientContext(certs.caPem()), "mx.example.test");
                c.command("EHLO client.test");
                String wrong = java.util.Base64.getEncoder().encodeToString("\0relay\0wrong".getBytes(StandardCharsets.UTF_8));
                assertThat(c.command("AUTH PLAIN " + wrong).code()).isEqualTo(535);
                String right = java.util.Base64.getEncoder().encodeToString("\0relay\0s3cret pass".getBytes(StandardCharsets.UTF_8));
                assertThat(c.command("AUTH PLAIN " + right).code()).isEqualTo(235);
                assertThat(c.command("MAIL FROM:<a@sender.test>").code()).isEqualTo(250);
                assertThat(c.command("RCPT TO:<x@example.test>").code()).isEqualTo(250);
                assertThat(c.data("Subject: relayed\r\nFrom: a@sender.test\r\nTo: x@example.test\r\n\r\nvia the relay\r\n"
                        .getBytes(StandardCharsets.US_ASCII)).code()).isEqualTo(250);
            }
            assertThat(Json.parse(f.receiver.await("/mail", 1, WAIT).get(0).body()).get("subject").asString()).isEqualTo("relayed");
        } finally {
            dev.herald.support.TestHerald.deleteTree(dir);
        }
    }

    @Test
    void recipientsAreCheckedAtRcptTo() throws Exception {
        try (MailFixture f = MailFixture.start(Map.of())) {
            f.route("{\"name\":\"support only\",\"match\":{\"recipient\":\"support@example.test\"},\"endpoint_ids\":[\"" + f.endpointId + "\"]}");
            try (SmtpClient c = new SmtpClient(f.smtpPort())) {
                c.greeting();
                c.command("EHLO client.test");
                assertThat(c.command("MAIL FROM:<a@sender.test>").code()).isEqualTo(250);
                assertThat(c.command("RCPT TO:<nobody@unclaimed.test>").code()).as("a domain no project claimed").isEqualTo(550);
                assertThat(c.command("RCPT TO:<sales@example.test>").code()).as("a claimed domain, but no route takes the address").isEqualTo(550);
                assertThat(c.command("RCPT TO:<SUPPORT@Example.Test>").code()).as("addresses are case-insensitive").isEqualTo(250);
            }
            assertThat(f.api.get("/api/v1/messages").json().get("data")).isEmpty();
        }
    }

    @Test
    void aMessageOverTheSizeLimitIsRefusedWith552AndNothingIsStored() throws Exception {
        try (MailFixture f = MailFixture.start(Map.of("HERALD_MAIL_MAX_MESSAGE_SIZE_BYTES", "4096"))) {
            f.catchAll("generic_json");
            byte[] big = ("Subject: big\r\nFrom: a@sender.test\r\nTo: x@example.test\r\n\r\n" + "x".repeat(8000) + "\r\n").getBytes(StandardCharsets.US_ASCII);
            try (SmtpClient c = new SmtpClient(f.smtpPort())) {
                c.greeting();
                assertThat(c.command("EHLO client.test").text()).isNotNull();
                List<SmtpClient.Reply> replies = c.send("a@sender.test", List.of("x@example.test"), big);
                assertThat(replies.get(replies.size() - 1).code()).isEqualTo(552);
                // The connection still works for a message within the limit.
                List<SmtpClient.Reply> small = c.send("a@sender.test", List.of("x@example.test"),
                        "Subject: small\r\nFrom: a@sender.test\r\nTo: x@example.test\r\n\r\nhi\r\n".getBytes(StandardCharsets.US_ASCII));
                assertThat(small.get(small.size() - 1).code()).isEqualTo(250);
            }
            assertThat(f.api.get("/api/v1/messages").json().get("data")).hasSize(1);
        }
    }

    @Test
    void startTlsWithTheConfiguredCertificate() throws Exception {
        Path dir = Files.createTempDirectory("smtp-tls");
        TestCerts certs = TestCerts.forHost("mx.example.test", dir);
        try (MailFixture f = MailFixture.start(Map.of("HERALD_MAIL_SMTP_TLS_CERT_FILE", certs.serverCertPem().toString(),
                "HERALD_MAIL_SMTP_TLS_KEY_FILE", certs.serverKeyPem().toString(), "HERALD_MAIL_SMTP_REQUIRE_TLS", "true"))) {
            f.catchAll("generic_json");
            try (SmtpClient c = new SmtpClient(f.smtpPort())) {
                c.greeting();
                c.command("EHLO client.test");
                assertThat(c.command("MAIL FROM:<a@sender.test>").code()).as("TLS is required before MAIL FROM").isEqualTo(530);
                assertThat(c.startTls(TrustAnchors.clientContext(certs.caPem()), "mx.example.test").code()).isEqualTo(220);
                List<SmtpClient.Reply> replies = c.send("a@sender.test", List.of("x@example.test"),
                        "Subject: secret\r\nFrom: a@sender.test\r\nTo: x@example.test\r\nMessage-ID: <tls@sender.test>\r\n\r\nover TLS\r\n"
                                .getBytes(StandardCharsets.US_ASCII));
                assertThat(replies).allMatch(SmtpClient.Reply::ok);
            }
            JsonNode doc = Json.parse(f.receiver.await("/mail", 1, WAIT).get(0).body());
            assertThat(doc.get("envelope").get("tls").asBoolean()).isTrue();
        } finally {
            dev.herald.support.TestHerald.deleteTree(dir);
        }
    }

    @ParameterizedTest
    @EnumSource(MailFixture.Transport.class)
    void attachmentsAndInlineImagesAreListedAndFetchedByPreSignedUrl(MailFixture.Transport t) throws Exception {
        try (MailFixture f = MailFixture.start(Map.of())) {
            f.catchAll("generic_json");
            byte[] pdf = new byte[3 * 1024 * 1024 + 17];
            new Random(7).nextBytes(pdf);
            byte[] png = new byte[2048];
            new Random(8).nextBytes(png);
            MimeMessage m = new MimeMessage(SESSION);
            m.setFrom("a@sender.test");
            m.setRecipients(jakarta.mail.Message.RecipientType.TO, "x@example.test");
            m.setSubject("report");
            MimeMultipart related = new MimeMultipart("related");
            MimeBodyPart html = new MimeBodyPart();
            html.setText("<p>see <img src=\"cid:logo@sender\"></p>", "UTF-8", "html");
            MimeBodyPart logo = new MimeBodyPart();
            logo.setDataHandler(new DataHandler(new ByteArrayDataSource(png, "image/png")));
            logo.setContentID("<logo@sender>");
            logo.setDisposition("inline");
            logo.setFileName("logo.png");
            related.addBodyPart(html);
            related.addBodyPart(logo);
            MimeBodyPart relatedPart = new MimeBodyPart();
            relatedPart.setContent(related);
            MimeBodyPart attachment = new MimeBodyPart();
            attachment.setDataHandler(new DataHandler(new ByteArrayDataSource(pdf, "application/pdf")));
            attachment.setFileName("5430524288.pdf");
            attachment.setDisposition("attachment");
            MimeMultipart mixed = new MimeMultipart("mixed");
            mixed.addBodyPart(relatedPart);
            mixed.addBodyPart(attachment);
            m.setContent(mixed);
            byte[] raw = bytes(fixedId(m, "<3F8E62B7-2BD6-4EC8-AD74-7B775CD0DE81@gmail.com>"));
            f.deliver(t, "a@sender.test", "x@example.test", raw);
            JsonNode doc = Json.parse(f.receiver.await("/mail", 1, WAIT).get(0).body());
            MailFixture.assertSchema(doc);
            JsonNode atts = doc.get("body").get("attachments");
            assertThat(atts).hasSize(2);
            JsonNode inline = atts.get(0).get("is_inline").asBoolean() ? atts.get(0) : atts.get(1);
            JsonNode file = inline == atts.get(0) ? atts.get(1) : atts.get(0);
            assertThat(inline.get("content_type").asString()).isEqualTo("image/png");
            assertThat(file.get("filename").asString()).isEqualTo("5430524288.pdf");
            assertThat(file.get("size").asLong()).isEqualTo(pdf.length);
            assertThat(file.get("sha256").asString()).isEqualTo(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(pdf)));
            assertThat(doc.toString()).as("never the bytes").doesNotContain("content\"");

            // The seed's request: the Message-ID URL-encoded, with the API key; also under /api/v1.
            String encoded = "%3C3F8E62B7-2BD6-4EC8-AD74-7B775CD0DE81%40gmail.com%3E";
            for (String prefix : List.of("/v1", "/api/v1")) {
                Api.Res u = f.api.get(prefix + "/messages/" + encoded + "/attachments/" + file.get("id").asString() + "/url");
                assertThat(u.status()).as(u.toString()).isEqualTo(200);
                assertThat(u.str("method")).isEqualTo("GET");
                assertThat(u.json().get("headers").isEmpty()).isTrue();
                assertThat(java.time.Instant.parse(u.str("expires_at"))).isAfter(java.time.Instant.now().plus(Duration.ofMinutes(14)));
                HttpResponse<byte[]> got = fetch(u.str("url"));
                assertThat(got.statusCode()).isEqualTo(200);
                assertThat(got.headers().firstValue("Content-Type").orElse("")).startsWith("application/pdf");
                assertThat(got.body()).isEqualTo(pdf);
                // Altered: another attachment's id under this signature, a changed expiry, a changed signature.
                String url = u.str("url");
                assertThat(fetch(url.replace(file.get("id").asString(), inline.get("id").asString())).statusCode()).isEqualTo(403);
                assertThat(fetch(url.replaceFirst("expires=(\\d+)", "expires=9$1")).statusCode()).isEqualTo(403);
                assertThat(fetch(url.substring(0, url.length() - 2) + (url.endsWith("AA") ? "BB" : "AA")).statusCode()).isEqualTo(403);
            }
            // No key, or another project's key: no URL.
            assertThat(f.api.as(null).get("/v1/messages/" + encoded + "/attachments/" + file.get("id").asString() + "/url").status()).isEqualTo(401);
            Api other = f.herald.newProject("other");
            assertThat(other.get("/v1/messages/" + encoded + "/attachments/" + file.get("id").asString() + "/url").status()).isEqualTo(404);
        }
    }

    static MimeMessage fixedId(MimeMessage m, String id) throws Exception {
        MimeMessage copy = new MimeMessage(m) {
            @Override
            protected void updateMessageID() throws jakarta.mail.MessagingException {
                setHeader("Message-ID", id);
            }
        };
        return copy;
    }

    static HttpResponse<byte[]> fetch(String url) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    @ParameterizedTest
    @EnumSource(MailFixture.Transport.class)
    void malformedMimeIsStillDeliveredAndFlagged(MailFixture.Transport t) throws Exception {
        try (MailFixture f = MailFixture.start(Map.of())) {
            f.catchAll("generic_json");
            byte[] broken = ("From: a@sender.test\r\nTo: x@example.test\r\nSubject: broken\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n"
                    + "--b1\r\nContent-Type: text/plain; charset=no-such-charset\r\n\r\nstill readable\r\n--b1\r\n"
                    + "Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!not base64!!!\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1);
            f.deliver(t, "a@sender.test", "x@example.test", broken);
            JsonNode doc = Json.parse(f.receiver.await("/mail", 1, WAIT).get(0).body());
            MailFixture.assertSchema(doc);
            assertThat(doc.get("body").get("text").asString()).contains("still readable");
            assertThat(doc.get("flags").toString()).contains("malformed_mime");
            assertThat(doc.get("message_id_synthetic").asBoolean()).isTrue();
        }
    }
}
