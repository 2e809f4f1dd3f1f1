package dev.herald.mail;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.support.Api;
import dev.herald.support.Receiver;
import dev.herald.util.Json;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** Domains, endpoints and routes: validation, matching by priority with stop, and the three mappers. */
class MailRoutingTest {
    static byte[] mail(String to, String subject, String extraHeaders) {
        return ("From: Alice <alice@sender.test>\r\nTo: " + to + "\r\nSubject: " + subject + "\r\nMessage-ID: <" + subject.hashCode() + "@sender.test>\r\n"
                + extraHeaders + "\r\nHello \"there\" \\ friend\r\n").getBytes(StandardCharsets.UTF_8);
    }

    static void send(MailFixture f, String rcpt, byte[] raw) {
        try (dev.herald.support.SmtpClient c = new dev.herald.support.SmtpClient(f.smtpPort())) {
            c.greeting();
            List<dev.herald.support.SmtpClient.Reply> r = c.send("alice@sender.test", List.of(rcpt), raw);
            assertThat(r).as(r.toString()).allMatch(dev.herald.support.SmtpClient.Reply::ok);
        }
    }

    @Test
    void routesAreTriedByPriorityAndStopEndsTheSearchWithEachMappersOutput() throws Exception {
        try (MailFixture f = MailFixture.start(Map.of())) {
            f.receiver.on("/slack", Receiver.Reply.ok());
            f.receiver.on("/custom", Receiver.Reply.ok());
            String slack = f.api.post("/api/v1/endpoints", "{\"name\":\"slack\",\"url\":\"" + f.receiver.url("/slack") + "\"}").str("id");
            String custom = f.api.post("/api/v1/endpoints", "{\"name\":\"custom\",\"url\":\"" + f.receiver.url("/custom") + "\","
                    + "\"headers\":{\"Authorization\":\"Basic dXNlcjpwYXNz\",\"Idempotency-Key\":\"mine\"},\"signature_header\":\"X-Sig\"}").str("id");
            // Lowest priority number first; the urgent route stops the search, so the catch-all does not see urgent mail.
            f.route("{\"name\":\"catch-all\",\"priority\":50,\"match\":{\"recipient\":\"*@example.test\"},\"endpoint_ids\":[\"" + f.endpointId + "\"]}");
            f.route("{\"name\":\"urgent\",\"priority\":1,\"stop\":true,\"match\":{\"subject_contains\":\"URGENT\",\"has_attachment\":false},"
                    + "\"mapper\":\"slack_simple\",\"endpoint_ids\":[\"" + slack + "\"]}");
            f.route("{\"name\":\"custom\",\"priority\":10,\"match\":{\"recipient\":\"/^support(\\\\+.*)?@example\\\\.test$/\",\"header\":{\"name\":\"X-Ticket\","
                    + "\"value\":\"42\"}},\"mapper\":\"custom_json\",\"template\":\"{\\\"ticket\\\":\\\"{{subject}}\\\",\\\"from\\\":\\\"{{from.address}}\\\","
                    + "\\\"text\\\":\\\"{{body.text}}\\\",\\\"to\\\":[{{#to}}\\\"{{address}}\\\"{{^-last}},{{/-last}}{{/to}}]}\",\"endpoint_ids\":[\"" + custom + "\"]}");

            send(f, "ops@example.test", mail("ops@example.test", "this is urgent", ""));
            JsonNode s = Json.parse(f.receiver.await("/slack", 1, Duration.ofSeconds(30)).get(0).body());
            assertThat(s.get("text").asString()).contains("*New email* from Alice &lt;alice@sender.test&gt;").contains("*Subject:* this is urgent")
                    .contains("Hello \"there\"");

            send(f, "support+billing@example.test", mail("support+billing@example.test", "ticket update", "X-Ticket: 42\r\n"));
            Receiver.Request c = f.receiver.await("/custom", 1, Duration.ofSeconds(30)).get(0);
            JsonNode cj = Json.parse(c.body());
            assertThat(cj.get("ticket").asString()).isEqualTo("ticket update");
            assertThat(cj.get("from").asString()).isEqualTo("alice@sender.test");
            assertThat(cj.get("text").asString()).as("quotes and backslashes JSON-escaped").startsWith("Hello \"there\" \\ friend");
            assertThat(cj.get("to").get(0).asString()).isEqualTo("support+billing@example.test");
            assertThat(c.header("Authorization")).isEqualTo("Basic dXNlcjpwYXNz");
            assertThat(c.header("Idempotency-Key")).as("the endpoint's own Idempotency-Key wins").isEqualTo("mine");
            assertThat(c.header("X-Idempotency-Key")).hasSize(64);
            assertThat(c.header("X-Sig")).startsWith("t=");

            // Catch-all got the custom route's mail too (no stop there) but not the urgent one.
            List<Receiver.Request> all = f.receiver.await("/mail", 1, Duration.ofSeconds(30));
            dev.herald.support.Deliveries.awaitSettled(f.api);
            assertThat(f.receiver.requests("/mail")).hasSize(1);
            assertThat(Json.parse(all.get(0).body()).get("subject").asString()).isEqualTo("ticket update");

            // The attempt's record keeps what it sent, but not the endpoint's sealed headers, nor the signature.
            JsonNode toCustom = null;
            for (JsonNode d : f.api.get("/api/v1/deliveries?channel=mail_endpoint").json().get("data")) {
                if (custom.equals(d.path("endpoint_id").asString())) toCustom = d;
            }
            assertThat(toCustom).isNotNull();
            JsonNode sent = f.api.get("/api/v1/deliveries/" + toCustom.get("id").asString()).json().at("/attempts/0/request_headers");
            assertThat(sent.get("Authorization").asString()).isEqualTo("(redacted)");
            assertThat(sent.get("Idempotency-Key").asString()).as("the endpoint's own value, sealed with it").isEqualTo("(redacted)");
            assertThat(sent.get("X-Idempotency-Key").asString()).isEqualTo(c.header("X-Idempotency-Key"));
            assertThat(sent.get("X-Sig").asString()).isEqualTo("(redacted)");
            assertThat(sent.get("Content-Type").asString()).isEqualTo("application/json");
            assertThat(sent.toString()).doesNotContain("dXNlcjpwYXNz");
        }
    }

    @Test
    void customTemplatesAreCheckedWhenTheRouteIsSaved() {
        try (MailFixture f = MailFixture.start(Map.of())) {
            String ep = "\"endpoint_ids\":[\"" + f.endpointId + "\"]";
            Api.Res notJson = f.api.post("/api/v1/routes", "{\"name\":\"x\",\"mapper\":\"custom_json\",\"template\":\"hello {{subject}}\"," + ep + "}");
            assertThat(notJson.status()).isEqualTo(400);
            assertThat(notJson.json().get("error").get("field").asString()).isEqualTo("template");
            Api.Res raw = f.api.post("/api/v1/routes", "{\"name\":\"x\",\"mapper\":\"custom_json\",\"template\":\"{\\\"s\\\":{{{subject}}}}\"," + ep + "}");
            assertThat(raw.status()).isEqualTo(400);
            assertThat(raw.text()).contains("unescaped");
            Api.Res missing = f.api.post("/api/v1/routes", "{\"name\":\"x\",\"mapper\":\"custom_json\"," + ep + "}");
            assertThat(missing.status()).isEqualTo(400);
            Api.Res mapper = f.api.post("/api/v1/routes", "{\"name\":\"x\",\"mapper\":\"xml\"," + ep + "}");
            assertThat(mapper.json().get("error").get("field").asString()).isEqualTo("mapper");
            Api.Res regex = f.api.post("/api/v1/routes", "{\"name\":\"x\",\"match\":{\"recipient\":\"/[a-/\"}," + ep + "}");
            assertThat(regex.json().get("error").get("field").asString()).isEqualTo("match.recipient");
            Api.Res unknown = f.api.post("/api/v1/routes", "{\"name\":\"x\",\"endpoint_ids\":[\"0192f000-0000-7000-8000-000000000000\"]}");
            assertThat(unknown.status()).isEqualTo(422);
            Api.Res ok = f.api.post("/api/v1/routes", "{\"name\":\"x\",\"mapper\":\"custom_json\",\"template\":\"{\\\"s\\\":\\\"{{subject}}\\\"}\"," + ep + "}");
            assertThat(ok.status()).as(ok.toString()).isEqualTo(201);
            Api.Res patched = f.api.patch("/api/v1/routes/" + ok.str("id"), "{\"enabled\":false,\"priority\":7}");
            assertThat(patched.json().get("enabled").asBoolean()).isFalse();
            assertThat(patched.json().get("priority").asInt()).isEqualTo(7);
            assertThat(f.api.delete("/api/v1/routes/" + ok.str("id")).status()).isEqualTo(204);
            assertThat(f.api.get("/api/v1/routes/" + ok.str("id")).status()).isEqualTo(404);
        }
    }

    @Test
    void endpointsFollowTheSeedsUrlRulesAndKeepTheirSecrets() {
        try (MailFixture f = MailFixture.start(Map.of("SECURITY_OUTBOUND_ALLOW_PRIVATE_NETWORKS", "false", "SECURITY_OUTBOUND_ALLOWED_HOSTS", "127.0.0.1"))) {
            for (String bad : List.of("ftp://example.com/x", "http://user:pass@127.0.0.1/x", "http://10.0.0.1/x", "http://no-such-host.invalid/x")) {
                Api.Res r = f.api.post("/api/v1/endpoints", "{\"name\":\"bad\",\"url\":\"" + bad + "\"}");
                assertThat(r.status()).as(bad + " " + r).isEqualTo(400);
                assertThat(r.json().get("error").get("field").asString()).isEqualTo("url");
            }
            Api.Res reserved = f.api.post("/api/v1/endpoints", "{\"name\":\"x\",\"url\":\"" + f.receiver.url("/mail") + "\",\"headers\":{\"X-Idempotency-Key\":\"a\"}}");
            assertThat(reserved.json().get("error").get("field").asString()).isEqualTo("headers.X-Idempotency-Key");
            Api.Res e = f.api.post("/api/v1/endpoints", "{\"name\":\"x\",\"url\":\"" + f.receiver.url("/mail") + "\",\"headers\":{\"Authorization\":\"Bearer s3cret\"}}");
            assertThat(e.str("secret")).startsWith("whsec_");
            Api.Res read = f.api.get("/api/v1/endpoints/" + e.str("id"));
            assertThat(read.text()).doesNotContain("whsec_").doesNotContain("s3cret");
            assertThat(read.json().get("headers").get("Authorization").asString()).isEqualTo("(redacted)");
            Api.Res rotated = f.api.post("/api/v1/endpoints/" + e.str("id") + "/rotate-secret", "{\"grace_period\":\"0s\"}");
            assertThat(rotated.str("secret")).startsWith("whsec_").isNotEqualTo(e.str("secret"));
            assertThat(f.api.get("/api/v1/endpoints").json().get("data")).hasSize(2);
            assertThat(f.api.delete("/api/v1/endpoints/" + e.str("id")).status()).isEqualTo(204);
            assertThat(f.api.get("/api/v1/endpoints/" + e.str("id")).status()).isEqualTo(404);
        }
    }

    @Test
    void aDomainBelongsToOneProjectAndViewersCannotChangeAnything() {
        try (MailFixture f = MailFixture.start(Map.of())) {
            Api other = f.herald.newProject("other");
            Api.Res taken = other.post("/api/v1/mail-domains", "{\"domain\":\"EXAMPLE.test.\"}");
            assertThat(taken.status()).isEqualTo(409);
            assertThat(taken.json().get("error").get("field").asString()).isEqualTo("domain");
            assertThat(other.post("/api/v1/mail-domains", "{\"domain\":\"not a domain\"}").status()).isEqualTo(400);
            Api.Res k = f.api.post("/api/v1/api-keys", "{\"role\":\"VIEWER\",\"name\":\"viewer\"}");
            assertThat(k.status()).as(k.toString()).isEqualTo(201);
            Api viewer = f.api.as(k.str("api_key"));
            assertThat(viewer.get("/api/v1/endpoints").status()).isEqualTo(200);
            assertThat(viewer.get("/api/v1/mail-domains").status()).isEqualTo(200);
            assertThat(viewer.post("/api/v1/endpoints", "{\"name\":\"x\",\"url\":\"" + f.receiver.url("/x") + "\"}").status()).isEqualTo(403);
            assertThat(viewer.post("/api/v1/routes", "{}").status()).isEqualTo(403);
            assertThat(viewer.post("/api/v1/mail-domains", "{\"domain\":\"b.test\"}").status()).isEqualTo(403);
        }
    }
}
