package dev.herald.mail;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.support.Api;
import dev.herald.support.Receiver;
import dev.herald.util.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** The HTTP inbox: raw mail POSTed as message/rfc822 takes the same path as SMTP. */
class MailInboxTest {
    static HttpResponse<String> post(MailFixture f, String key, String contentType, byte[] raw, String query) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + f.herald.port() + "/api/v1/messages" + query))
                .POST(HttpRequest.BodyPublishers.ofByteArray(raw)).header("Content-Type", contentType);
        if (key != null) b.header("X-Api-Key", key);
        return HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static String key(Api api) {
        return api.key();
    }

    @Test
    void rawMailPostedToTheInboxIsStoredRoutedAndDeliveredOnTheSameContract() throws Exception {
        try (MailFixture f = MailFixture.start(Map.of())) {
            String route = f.catchAll("generic_json");
            byte[] raw = MailSmtpTest.bytes(MailSmtpTest.alternative("<inbox-1@sender.test>"));
            HttpResponse<String> r = post(f, key(f.api), "message/rfc822", raw, "");
            assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
            JsonNode answer = Json.parse(r.body());
            assertThat(answer.get("message_id").asString()).isEqualTo("<inbox-1@sender.test>");
            assertThat(answer.get("deliveries").asInt()).isEqualTo(1);
            Receiver.Request got = f.receiver.await("/mail", 1, Duration.ofSeconds(30)).get(0);
            JsonNode doc = f.checkContract(got, "<inbox-1@sender.test>", route);
            MailFixture.assertSchema(doc);
            assertThat(doc.get("subject").asString()).isEqualTo("Grüße – ваш заказ №42");
            assertThat(doc.get("envelope").get("transport").asString()).isEqualTo("http");
            assertThat(doc.get("envelope").get("rcpt_to").get(0).asString()).as("recipients from To and Cc").isEqualTo("support@example.test");
        }
    }

    @Test
    void theEnvelopeCanBeGivenAndBadRequestsAreRefusedNamingTheField() throws Exception {
        try (MailFixture f = MailFixture.start(Map.of("HERALD_MAIL_MAX_MESSAGE_SIZE_BYTES", "4096"))) {
            f.route("{\"name\":\"sales\",\"match\":{\"recipient\":\"sales@example.test\"},\"endpoint_ids\":[\"" + f.endpointId + "\"]}");
            byte[] raw = "From: a@sender.test\r\nTo: x@example.test\r\nSubject: hi\r\n\r\nhello\r\n".getBytes(StandardCharsets.US_ASCII);
            HttpResponse<String> routed = post(f, key(f.api), "message/rfc822", raw, "?rcpt_to=Sales@example.test&mail_from=a@sender.test");
            assertThat(routed.statusCode()).isEqualTo(202);
            assertThat(Json.parse(routed.body()).get("deliveries").asInt()).as("the envelope recipient decides the route").isEqualTo(1);

            HttpResponse<String> json = post(f, key(f.api), "application/json", "{}".getBytes(StandardCharsets.US_ASCII), "");
            assertThat(json.statusCode()).isEqualTo(415);
            assertThat(Json.parse(json.body()).get("error").get("field").asString()).isEqualTo("Content-Type");
            HttpResponse<String> big = post(f, key(f.api), "message/rfc822", new byte[5000], "");
            assertThat(big.statusCode()).isEqualTo(413);
            HttpResponse<String> empty = post(f, key(f.api), "message/rfc822", new byte[0], "");
            assertThat(empty.statusCode()).isEqualTo(400);
            HttpResponse<String> badRcpt = post(f, key(f.api), "message/rfc822", raw, "?rcpt_to=not-an-address");
            assertThat(badRcpt.statusCode()).isEqualTo(400);
            assertThat(Json.parse(badRcpt.body()).get("error").get("field").asString()).isEqualTo("rcpt_to");
            assertThat(post(f, null, "message/rfc822", raw, "").statusCode()).isEqualTo(401);
            // Bytes that are not UTF-8 are fine in mail (an ISO-8859-1 body).
            byte[] latin1 = "From: a@sender.test\r\nTo: x@example.test\r\nContent-Type: text/plain; charset=ISO-8859-1\r\n\r\nK\u00f6ln\r\n"
                    .getBytes(StandardCharsets.ISO_8859_1);
            assertThat(post(f, key(f.api), "message/rfc822", latin1, "").statusCode()).isEqualTo(202);
        }
    }

    @Test
    void everyMessageIsAlsoAnEmailReceivedEventForWebhooks() throws Exception {
        try (MailFixture f = MailFixture.start(Map.of())) {
            f.receiver.on("/hook", Receiver.Reply.ok());
            Api.Res w = f.api.post("/api/v1/webhooks", "{\"url\":\"" + f.receiver.url("/hook") + "\",\"events\":[\"email.received\"]}");
            assertThat(w.status()).as(w.toString()).isEqualTo(201);
            byte[] raw = "From: a@sender.test\r\nTo: x@example.test\r\nSubject: no route\r\nMessage-ID: <ev@sender.test>\r\n\r\nhello\r\n"
                    .getBytes(StandardCharsets.US_ASCII);
            assertThat(post(f, key(f.api), "message/rfc822", raw, "").statusCode()).isEqualTo(202);
            JsonNode event = Json.parse(f.receiver.await("/hook", 1, Duration.ofSeconds(30)).get(0).body());
            assertThat(event.get("type").asString()).isEqualTo("email.received");
            assertThat(event.get("data").get("message_id").asString()).isEqualTo("<ev@sender.test>");
            assertThat(event.get("data").get("subject").asString()).isEqualTo("no route");
            MailFixture.assertSchema(event.get("data"));
        }
    }
}
