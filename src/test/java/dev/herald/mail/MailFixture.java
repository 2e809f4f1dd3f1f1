package dev.herald.mail;

import com.networknt.schema.Schema;
import dev.herald.support.Api;
import dev.herald.support.Receiver;
import dev.herald.support.TestHerald;
import dev.herald.util.Json;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A Herald taking mail for {@code example.test}, one endpoint at a test receiver and helpers to check
 * what the endpoint got against the seed's contract, computed here with the JDK alone (not Herald's code).
 */
final class MailFixture implements AutoCloseable {
    static final String DOMAIN = "example.test";

    final TestHerald herald;
    final Api api;
    final Receiver receiver = new Receiver();
    final String endpointId;
    final String secret;

    MailFixture(TestHerald herald) {
        this.herald = herald;
        this.api = herald.newProject("mail");
        receiver.on("/mail", Receiver.Reply.ok());
        Api.Res d = api.post("/api/v1/mail-domains", "{\"domain\":\"" + DOMAIN + "\"}");
        assertThat(d.status()).as(d.toString()).isEqualTo(201);
        Api.Res e = api.post("/api/v1/endpoints", "{\"name\":\"inbox\",\"url\":\"" + receiver.url("/mail") + "\"}");
        assertThat(e.status()).as(e.toString()).isEqualTo(201);
        this.endpointId = e.str("id");
        this.secret = e.str("secret");
    }

    static MailFixture start(Map<String, String> overrides) {
        return new MailFixture(TestHerald.start(overrides));
    }

    /** Creates a route; returns its id. */
    String route(String json) {
        Api.Res r = api.post("/api/v1/routes", json);
        assertThat(r.status()).as(r.toString()).isEqualTo(201);
        return r.str("id");
    }

    /** A route sending everything for the domain to the fixture's endpoint with {@code mapper}. */
    String catchAll(String mapper) {
        return route("{\"name\":\"all\",\"match\":{\"recipient\":\"*@" + DOMAIN + "\"},\"mapper\":\"" + mapper + "\",\"endpoint_ids\":[\"" + endpointId + "\"]}");
    }

    /** The two ways in: the tests that are about the message, not the protocol, run through both. */
    enum Transport { SMTP, HTTP }

    /** Sends {@code raw} from {@code from} to {@code rcpt} the given way; asserts it was taken (250 or 202). */
    void deliver(Transport t, String from, String rcpt, byte[] raw) throws Exception {
        if (t == Transport.SMTP) {
            try (dev.herald.support.SmtpClient c = new dev.herald.support.SmtpClient(smtpPort())) {
                c.greeting();
                java.util.List<dev.herald.support.SmtpClient.Reply> replies = c.send(from, java.util.List.of(rcpt), raw);
                assertThat(replies).as(replies.toString()).allMatch(dev.herald.support.SmtpClient.Reply::ok);
                assertThat(replies.get(replies.size() - 1).code()).isEqualTo(250);
            }
        } else {
            String q = "?rcpt_to=" + java.net.URLEncoder.encode(rcpt, StandardCharsets.UTF_8) + "&mail_from=" + java.net.URLEncoder.encode(from, StandardCharsets.UTF_8);
            java.net.http.HttpResponse<String> r = MailInboxTest.post(this, api.key(), "message/rfc822", raw, q);
            assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
        }
    }

    int smtpPort() {
        return herald.herald().smtpPort();
    }

    /** Checks one request against the seed's contract and returns its body as JSON. */
    JsonNode checkContract(Receiver.Request r, String messageId, String routeId) throws Exception {
        assertThat(r.method()).isEqualTo("POST");
        assertThat(r.header("Content-Type")).startsWith("application/json");
        assertThat(r.header("User-Agent")).startsWith("Herald/");
        String key = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest((messageId + "|" + routeId).getBytes(StandardCharsets.UTF_8)));
        assertThat(r.header("X-Idempotency-Key")).isEqualTo(key);
        assertThat(r.header("Idempotency-Key")).isEqualTo(key);
        assertThat(verify(r.header("X-MailWebhook-Signature"), r.body(), secret)).as("signature verifies with the endpoint's secret").isTrue();
        return Json.parse(r.body());
    }

    /** The seed's signature, checked the way a receiver would: t=<unix>, kid=<kid>, v1=base64(HMAC-SHA256(secret, t + "." + body)). */
    static boolean verify(String header, byte[] body, String secret) throws Exception {
        String t = null;
        String v1 = null;
        for (String part : header.split(",")) {
            String[] kv = part.strip().split("=", 2);
            if (kv[0].equals("t")) t = kv[1];
            if (kv[0].equals("v1")) v1 = kv[1];
        }
        assertThat(header).contains("kid=k_");
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        mac.update((t + ".").getBytes(StandardCharsets.US_ASCII));
        String expected = Base64.getEncoder().encodeToString(mac.doFinal(body));
        return MessageDigest.isEqual(expected.getBytes(StandardCharsets.US_ASCII), v1.getBytes(StandardCharsets.US_ASCII));
    }

    /** The generic document holds to the published JSON Schema. */
    static void assertSchema(JsonNode doc) {
        MailSchema.assertValid(doc);
    }

    @Override
    public void close() {
        herald.close();
        receiver.close();
    }
}
