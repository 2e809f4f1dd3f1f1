package dev.herald.ui;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.support.Api;
import dev.herald.support.Await;
import dev.herald.support.Receiver;
import dev.herald.support.TestHerald;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The console's pages and forms over plain HTTP, checked against what the API then says: a webhook
 * edited, disabled, enabled and its secret rotated; a bad edit refused with the API's message and
 * nothing changed; events searched by type and id; a webhook's dead letters replayed since a time;
 * inbound sources, inbound mail and a route preview of a stored message.
 */
class ConsolePagesTest {
    static final HttpClient HTTP = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
    static final Pattern CSRF = Pattern.compile("name=\"csrf\" value=\"([^\"]+)\"");
    static TestHerald herald;
    static Receiver receiver;
    static String base;

    @BeforeAll
    static void start() {
        receiver = new Receiver().on("/ok", Receiver.Reply.ok()).on("/down", Receiver.Reply.status(503).withBody("maintenance".getBytes(StandardCharsets.UTF_8)));
        herald = TestHerald.start();
        base = "http://127.0.0.1:" + herald.port();
    }

    @AfterAll
    static void stop() {
        herald.close();
        receiver.close();
    }

    /** A signed-in browser of a new project. */
    record Browser(Api api, String cookie, String csrf) {
        HttpResponse<String> get(String path) throws Exception {
            return HTTP.send(HttpRequest.newBuilder(URI.create(base + path)).header("Cookie", cookie).build(), HttpResponse.BodyHandlers.ofString());
        }

        HttpResponse<String> post(String path, Map<String, String> form) throws Exception {
            StringBuilder b = new StringBuilder("csrf=").append(csrf);
            form.forEach((k, v) -> b.append('&').append(k).append('=').append(URLEncoder.encode(v, StandardCharsets.UTF_8)));
            return HTTP.send(HttpRequest.newBuilder(URI.create(base + path)).header("Cookie", cookie).header("Origin", base)
                    .header("Content-Type", "application/x-www-form-urlencoded").POST(HttpRequest.BodyPublishers.ofString(b.toString())).build(),
                    HttpResponse.BodyHandlers.ofString());
        }
    }

    static Browser signIn(String project) throws Exception {
        Api api = herald.newProject(project);
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/console/sign-in"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("api_key=" + URLEncoder.encode(api.key(), StandardCharsets.UTF_8))).build(), HttpResponse.BodyHandlers.ofString());
        String cookie = r.headers().allValues("Set-Cookie").stream().filter(c -> c.startsWith("herald_console=")).findFirst().orElseThrow().split(";")[0];
        HttpResponse<String> page = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/console")).header("Cookie", cookie).build(), HttpResponse.BodyHandlers.ofString());
        Matcher m = CSRF.matcher(page.body());
        assertThat(m.find()).as(page.body()).isTrue();
        return new Browser(api, cookie, m.group(1));
    }

    @Test
    void aWebhookIsEditedDisabledEnabledAndItsSecretRotatedThroughTheSameRulesAsTheApi() throws Exception {
        Browser b = signIn("pages-webhooks");
        HttpResponse<String> created = b.post("/console/webhooks", Map.of("url", receiver.url("/ok"), "events", "order.*", "description", "first"));
        assertThat(created.statusCode()).as(created.body()).isEqualTo(200);
        JsonNode hook = b.api().get("/api/v1/webhooks").json().get("data").get(0);
        String id = hook.get("id").asString();
        assertThat(created.body()).contains("whsec_");
        assertThat(b.get("/console/webhooks/" + id).body()).doesNotContain("whsec_");

        HttpResponse<String> edited = b.post("/console/webhooks/" + id, Map.of("url", receiver.url("/ok?v=2"), "events", "order.*, invoice.paid",
                "description", "second", "retry_schedule", "5s, 1m", "timeout_seconds", "7"));
        assertThat(edited.statusCode()).isEqualTo(303);
        JsonNode after = b.api().get("/api/v1/webhooks/" + id).json();
        assertThat(after.get("url").asString()).endsWith("/ok?v=2");
        assertThat(after.get("events").toString()).isEqualTo("[\"order.*\",\"invoice.paid\"]");
        assertThat(after.get("retry_schedule").toString()).isEqualTo("[\"5s\",\"1m\"]");
        assertThat(after.get("timeout_seconds").asInt()).isEqualTo(7);

        HttpResponse<String> bad = b.post("/console/webhooks/" + id, Map.of("url", "ftp://nope.example", "events", "order.*"));
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(bad.body()).contains("url");
        assertThat(b.api().get("/api/v1/webhooks/" + id).json().get("url").asString()).endsWith("/ok?v=2");

        assertThat(b.post("/console/webhooks/" + id + "/disable", Map.of()).statusCode()).isEqualTo(303);
        assertThat(b.api().get("/api/v1/webhooks/" + id).json().get("enabled").asBoolean()).isFalse();
        String page = b.get("/console/webhooks/" + id).body();
        assertThat(page).contains("disabled by user").contains(">Enable</button>").doesNotContain("Send test event");
        HttpResponse<String> refused = b.post("/console/webhooks/" + id + "/test", Map.of());
        assertThat(refused.statusCode()).as("a disabled webhook takes no test event, as in the API").isEqualTo(409);
        assertThat(b.post("/console/webhooks/" + id + "/enable", Map.of()).statusCode()).isEqualTo(303);
        assertThat(b.api().get("/api/v1/webhooks/" + id).json().get("enabled").asBoolean()).isTrue();

        HttpResponse<String> rotated = b.post("/console/webhooks/" + id + "/rotate-secret", Map.of());
        assertThat(rotated.statusCode()).isEqualTo(200);
        assertThat(rotated.body()).contains("whsec_").contains("previous secret keeps working");
        assertThat(b.api().get("/api/v1/webhooks/" + id).json().at("/signature/kid").asString()).isNotEqualTo(hook.at("/signature/kid").asString());
    }

    @Test
    void eventsAreFoundByTypeAndIdAndAWebhooksDeadLettersAreReplayedSinceATime() throws Exception {
        Browser b = signIn("pages-events");
        String hook = b.api().post("/api/v1/webhooks", "{\"url\":\"" + receiver.url("/down") + "\",\"events\":[\"*\"],\"retry_schedule\":[\"1s\"],"
                + "\"headers\":{\"X-Tenant\":\"acme\"},\"auth\":{\"bearer_token\":{\"token\":\"sk-live-very-secret\"}}}").str("id");
        String before = Instant.now().minusSeconds(60).truncatedTo(ChronoUnit.SECONDS).toString().replace("Z", "");
        String paid = b.api().post("/api/v1/events", "{\"type\":\"order.paid\",\"data\":{\"n\":1}}").str("id");
        b.api().post("/api/v1/events", "{\"type\":\"user.created\",\"data\":{\"n\":2}}");

        String found = b.get("/console/events?type=order.*").body();
        assertThat(found).contains("order.paid").doesNotContain("user.created");
        HttpResponse<String> byId = b.get("/console/events?id=" + paid.toUpperCase(java.util.Locale.ROOT));
        assertThat(byId.statusCode()).isEqualTo(303);
        assertThat(byId.headers().firstValue("Location").orElseThrow()).isEqualTo("/console/events/" + paid);
        assertThat(b.get("/console/events/" + paid).body()).contains("&quot;n&quot; : 1");
        assertThat(b.get("/console/events?type=not+a+type").statusCode()).isEqualTo(400);

        Await.until("both deliveries dead", Duration.ofSeconds(30),
                () -> b.api().get("/api/v1/dead-letters?webhook_id=" + hook).json().get("data").size() == 2);
        String dead = b.get("/console/deliveries?status=dead").body();
        assertThat(dead).contains("order.paid").contains("user.created").contains("HTTP 503");
        Matcher first = Pattern.compile("href=\"/console/deliveries/([0-9a-f-]{36})\"").matcher(dead);
        assertThat(first.find()).isTrue();
        String delivery = b.get("/console/deliveries/" + first.group(1)).body();
        assertThat(delivery).contains("maintenance").contains("http_status");
        // Each attempt shows the headers it sent, recorded when it was made, with secret values redacted.
        Receiver.Request sent = receiver.requests("/down").get(0);
        assertThat(delivery).contains("<code>X-Tenant</code></dt><dd><code>acme</code>").contains("<code>X-Webhook-Event</code>")
                .contains("<code>Authorization</code></dt><dd><code>(redacted)</code>")
                .contains("<code>X-Webhook-Signature</code></dt><dd><code>(redacted)</code>")
                .doesNotContain("sk-live-very-secret").doesNotContain(sent.header("X-Webhook-Signature"));
        assertThat(sent.header("X-Tenant")).isEqualTo("acme");
        assertThat(sent.header("Authorization")).isEqualTo("Bearer sk-live-very-secret");
        assertThat(b.api().patch("/api/v1/webhooks/" + hook, "{\"headers\":{\"X-Tenant\":\"globex\"}}").status()).isEqualTo(200);
        assertThat(b.get("/console/deliveries/" + first.group(1)).body()).as("a past attempt keeps the headers it sent")
                .contains("<code>X-Tenant</code></dt><dd><code>acme</code>").doesNotContain("globex");
        JsonNode attempts = b.api().get("/api/v1/deliveries/" + first.group(1)).json().get("attempts");
        assertThat(attempts).hasSize(2).allSatisfy(a -> {
            JsonNode h = a.get("request_headers");
            assertThat(h.get("X-Tenant").asString()).isEqualTo("acme");
            assertThat(h.get("X-Webhook-Delivery").asString()).isEqualTo(first.group(1));
            assertThat(h.get("Content-Type").asString()).isEqualTo("application/json");
            assertThat(h.get("Authorization").asString()).isEqualTo("(redacted)");
            assertThat(h.get("X-Webhook-Signature").asString()).isEqualTo("(redacted)");
            assertThat(h.toString()).doesNotContain("sk-live-very-secret");
        });
        String future = Instant.now().plusSeconds(3600).truncatedTo(ChronoUnit.SECONDS).toString().replace("Z", "");
        HttpResponse<String> none = b.post("/console/dead-letters/replay", Map.of("webhook_id", hook, "since", future));
        assertThat(none.headers().firstValue("Location").orElseThrow()).isEqualTo("/console/dead-letters?replayed=0");
        HttpResponse<String> all = b.post("/console/dead-letters/replay", Map.of("webhook_id", hook, "since", before));
        assertThat(all.headers().firstValue("Location").orElseThrow()).isEqualTo("/console/dead-letters?replayed=2");
        assertThat(b.get("/console/dead-letters?replayed=2").body()).contains("Replayed 2 dead letters");
        assertThat(b.post("/console/dead-letters/replay", Map.of()).statusCode()).isEqualTo(400);
    }

    @Test
    void inboundSourcesAndInboundMailAreShownWithARoutePreviewOfAStoredMessage() throws Exception {
        Browser b = signIn("pages-mail");
        Api.Res source = b.api().post("/api/v1/inbound-sources", "{\"name\":\"statuses\",\"provider\":\"email_status\"}");
        assertThat(source.status()).as(source.toString()).isEqualTo(201);
        String sources = b.get("/console/inbound").body();
        assertThat(sources).contains("statuses").contains("/inbound/" + source.str("id"));
        assertThat(b.get("/console/inbound/" + source.str("id")).body()).contains("No callbacks received yet");

        assertThat(b.api().post("/api/v1/mail-domains", "{\"domain\":\"support.example.test\"}").status()).isEqualTo(201);
        String endpoint = b.api().post("/api/v1/endpoints", "{\"name\":\"helpdesk\",\"url\":\"" + receiver.url("/ok") + "\"}").str("id");
        assertThat(b.api().post("/api/v1/routes", "{\"name\":\"to-helpdesk\",\"match\":{\"recipient\":\"*@support.example.test\"},\"mapper\":\"slack_simple\","
                + "\"endpoint_ids\":[\"" + endpoint + "\"]}").status()).isEqualTo(201);
        String raw = "From: Ann <ann@customer.example>\r\nTo: help@support.example.test\r\nSubject: Printer on fire\r\nMessage-ID: <m1@customer.example>\r\n"
                + "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nIt is very hot.\r\n"
                + "--b\r\nContent-Type: text/plain; name=log.txt\r\nContent-Disposition: attachment; filename=log.txt\r\n\r\nsmoke\r\n--b--\r\n";
        HttpResponse<String> in = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/messages?rcpt_to=help%40support.example.test&mail_from=ann%40customer.example"))
                .header("X-Api-Key", b.api().key()).header("Content-Type", "message/rfc822").POST(HttpRequest.BodyPublishers.ofString(raw)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(in.statusCode()).as(in.body()).isEqualTo(202);
        String id = b.api().get("/api/v1/messages").json().at("/data/0/id").asString();

        String mail = b.get("/console/mail").body();
        assertThat(mail).contains("support.example.test").contains("helpdesk").contains("to-helpdesk").contains("Printer on fire");
        String message = b.get("/console/mail/messages/" + id).body();
        assertThat(message).contains("log.txt").contains("to-helpdesk");
        HttpResponse<String> preview = b.get("/console/mail/messages/" + id + "/preview");
        assertThat(preview.statusCode()).isEqualTo(200);
        assertThat(preview.body()).contains("to-helpdesk").contains("slack_simple").contains("Printer on fire");
    }
}
