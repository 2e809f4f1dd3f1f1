package dev.herald.mail;

import static dev.herald.mail.MailParserTest.crlf;
import static dev.herald.mail.MailSchema.ENVELOPE;
import static dev.herald.mail.MailSchema.RECEIVED;
import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.util.Json;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

class GenericJsonTest {
    static final byte[] RAW = crlf("""
            From: "Ana Example" <Ana@Example.COM>
            To: Zed <zed@example.com>, "Bob" <BOB@example.com>
            Cc: carol@example.com
            Reply-To: help@example.com
            Subject: =?UTF-8?Q?R=C3=A9:_Invoice?=
            Date: Mon, 2 Nov 2026 09:14:00 -0500
            Message-ID: <reply-1@mail.example.com>
            In-Reply-To: <orig-1@herald.example>
            References: <root@herald.example> <orig-1@herald.example>
            Auto-Submitted: auto-replied
            Content-Type: multipart/mixed; boundary=x

            --x
            Content-Type: text/plain; charset=utf-8

            Paid, thanks.

            On Sun, Nov 1, 2026 Billing <billing@herald.example> wrote:
            > Invoice attached.
            --x
            Content-Type: application/pdf; name="invoice.pdf"
            Content-Disposition: attachment; filename="invoice.pdf"
            Content-Transfer-Encoding: base64

            JVBERi0xLjQK
            --x--
            """);

    static ObjectNode doc(ParsedMail m) {
        return GenericJson.document("0190f0a0-1111-7000-8000-000000000001", m, ENVELOPE,
                List.of(new GenericJson.Attachment("0190f0a0-2222-7000-8000-000000000002", m.parts().get(0))), RECEIVED);
    }

    @Test
    void fullDocumentHasTheDocumentedShape() {
        ParsedMail m = MailParser.parse(RAW);
        ObjectNode d = doc(m);
        MailSchema.assertValid(d);
        assertThat(d.propertyNames()).containsExactly("id", "message_id", "received_at", "date", "subject", "from", "to", "cc",
                "reply_to", "in_reply_to", "references", "headers", "body", "envelope", "flags", "auto_submitted");
        assertThat(d.get("received_at").asString()).isEqualTo("2026-11-29T01:02:03Z");
        assertThat(d.get("date").asString()).isEqualTo("2026-11-02T14:14:00Z");
        assertThat(d.get("subject").asString()).isEqualTo("Ré: Invoice");
        assertThat(d.get("from").toString()).isEqualTo("{\"address\":\"ana@example.com\",\"name\":\"Ana Example\"}");
        assertThat(d.get("to").toString()).isEqualTo("[{\"address\":\"bob@example.com\",\"name\":\"Bob\"},{\"address\":\"zed@example.com\",\"name\":\"Zed\"}]");
        assertThat(d.get("cc").toString()).isEqualTo("[{\"address\":\"carol@example.com\"}]");
        assertThat(d.get("references").toString()).isEqualTo("[\"<root@herald.example>\",\"<orig-1@herald.example>\"]");
        assertThat(d.get("headers").get(0).toString()).isEqualTo("{\"name\":\"from\",\"value\":\"\\\"Ana Example\\\" <Ana@Example.COM>\"}");
        JsonNode body = d.get("body");
        assertThat(body.propertyNames()).containsExactly("text", "reply_text", "attachments");
        assertThat(body.get("reply_text").asString()).isEqualTo("Paid, thanks.");
        JsonNode attachment = body.get("attachments").get(0);
        assertThat(attachment.propertyNames()).containsExactly("id", "filename", "content_type", "size", "is_inline", "sha256");
        assertThat(attachment.get("size").asLong()).isEqualTo(9);
        assertThat(attachment.get("sha256").asString()).isEqualTo(dev.herald.util.Hashes.sha256Hex("%PDF-1.4\n"));
        assertThat(d.get("envelope").toString()).isEqualTo("{\"mail_from\":\"sender@example.com\",\"rcpt_to\":[\"a@in.example\",\"b@in.example\"],"
                + "\"remote_address\":\"192.0.2.7\",\"helo\":\"mx.example.net\",\"tls\":true,\"transport\":\"smtp\"}");
        assertThat(d.get("flags").toString()).isEqualTo("[\"auto_submitted\"]");
        assertThat(d.get("auto_submitted").asString()).isEqualTo("auto-replied");
        assertThat(new String(GenericJson.bytes(d), StandardCharsets.UTF_8)).doesNotContain("JVBERi0xLjQK").doesNotContain("\n  ");
    }

    @Test
    void emptyOptionalsAreOmittedButBodyAndAttachmentsStay() {
        ParsedMail m = MailParser.parse(crlf("Subject:\n\n"));
        ObjectNode d = GenericJson.document("0190f0a0-1111-7000-8000-000000000001", m, new Envelope("", List.of(), null, null, false, "http"),
                List.of(), RECEIVED);
        MailSchema.assertValid(d);
        assertThat(d.propertyNames()).containsExactly("id", "message_id", "message_id_synthetic", "received_at", "headers", "body", "envelope", "flags");
        assertThat(d.get("body").toString()).isEqualTo("{\"attachments\":[]}");
        assertThat(d.get("envelope").toString()).isEqualTo("{\"tls\":false,\"transport\":\"http\"}");
    }

    @Test
    void sameInputsGiveTheSameBytes() {
        byte[] a = GenericJson.bytes(doc(MailParser.parse(RAW)));
        byte[] b = GenericJson.bytes(doc(MailParser.parse(RAW.clone())));
        assertThat(a).isEqualTo(b);
        Envelope shuffled = new Envelope("SENDER@example.com", List.of("A@IN.EXAMPLE", "b@in.example"), "192.0.2.7", "mx.example.net", true, "smtp");
        ParsedMail m = MailParser.parse(RAW);
        byte[] c = GenericJson.bytes(GenericJson.document("0190f0a0-1111-7000-8000-000000000001", m, shuffled,
                List.of(new GenericJson.Attachment("0190f0a0-2222-7000-8000-000000000002", m.parts().get(0))), RECEIVED));
        assertThat(c).isEqualTo(a);
    }

    @Test
    void theSchemaRejectsExtraKeysAtEveryLevelAndMissingRequiredOnes() {
        ObjectNode d = doc(MailParser.parse(RAW));
        assertThat(MailSchema.errors(d)).isEmpty();
        for (String path : List.of("", "/body", "/body/attachments/0", "/envelope", "/from", "/to/0", "/headers/0")) {
            ObjectNode copy = d.deepCopy();
            ((ObjectNode) copy.at(path.isEmpty() ? "" : path)).put("extra", 1);
            assertThat(MailSchema.errors(copy)).as("extra key at '%s'", path).isNotEmpty();
        }
        ObjectNode noId = d.deepCopy();
        noId.remove("message_id");
        assertThat(MailSchema.errors(noId)).isNotEmpty();
        ObjectNode badTime = d.deepCopy();
        badTime.put("received_at", "yesterday");
        assertThat(MailSchema.errors(badTime)).isNotEmpty();
        ObjectNode bytes = d.deepCopy();
        ((ObjectNode) bytes.at("/body/attachments/0")).put("content", "JVBERi0xLjQK");
        assertThat(MailSchema.errors(bytes)).isNotEmpty();
    }

    /** docs/mail-generic.example.json is what Herald produces for {@link #RAW}: it validates and never drifts. */
    @Test
    void thePublishedExampleIsARealDocument() throws Exception {
        JsonNode example = Json.parse(Files.readAllBytes(java.nio.file.Path.of("docs/mail-generic.example.json")));
        MailSchema.assertValid(example);
        assertThat(example).isEqualTo(Json.parse(GenericJson.bytes(doc(MailParser.parse(RAW)))));
    }

    @Test
    void theServedSchemaIsThePublishedOne() throws Exception {
        try (InputStream in = GenericJson.class.getClassLoader().getResourceAsStream(GenericJson.SCHEMA_RESOURCE)) {
            assertThat(in).isNotNull();
            assertThat(Json.parse(in.readAllBytes())).isEqualTo(Json.parse(Files.readAllBytes(MailSchema.FILE)));
        }
    }
}
