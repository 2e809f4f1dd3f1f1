package dev.herald.connections;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.outbound.OutboundResponse;
import dev.herald.support.Api;
import dev.herald.support.Gate;
import dev.herald.support.Receiver;
import dev.herald.support.TestHerald;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** Connections used for real through {@code POST /api/v1/connections/{name}/test}, against receivers written here. */
class ConnectionUseTest {
    Receiver receiver;
    TestHerald herald;
    Api api;
    final AtomicInteger tokens = new AtomicInteger();

    @BeforeEach
    void start() {
        receiver = new Receiver();
        receiver.on("/token", r -> Receiver.Reply.status(200).withHeader("Content-Type", "application/json")
                .withBody(("{\"access_token\":\"tok-" + tokens.incrementAndGet() + "\",\"token_type\":\"bearer\",\"expires_in\":\"3600\"}").getBytes()));
        herald = TestHerald.start();
        api = herald.newProject("use");
    }

    @AfterEach
    void stop() {
        herald.close();
        receiver.close();
    }

    private void create(String body) {
        Api.Res r = api.post("/api/v1/connections", body);
        assertThat(r.status()).as(r.toString()).isEqualTo(201);
    }

    @Test
    void anHttpConnectionSendsAllowedRoutesWithItsHeadersAndAuth() {
        create("{\"name\":\"crm\",\"connection_details\":{\"http\":{\"base_url\":\"" + receiver.url("/api") + "\","
                + "\"allowed_routes\":[\"POST /v1/notes/*\",\"GET /v1/status\"],\"headers\":{\"X-Tenant-Id\":\"acme\"},"
                + "\"bearer_token\":{\"token\":\"sk-crm\"}}}}");
        Api.Res sent = api.post("/api/v1/connections/crm/test", "{\"method\":\"POST\",\"path\":\"/v1/notes/42\",\"body\":{\"text\":\"hi\"}}");
        assertThat(sent.status()).as(sent.toString()).isEqualTo(200);
        assertThat(sent.json().get("ok").asBoolean()).isTrue();
        assertThat(sent.json().get("status_code").asInt()).isEqualTo(200);
        Receiver.Request r = receiver.requests("/api/v1/notes/42").get(0);
        assertThat(r.method()).isEqualTo("POST");
        assertThat(r.header("Authorization")).isEqualTo("Bearer sk-crm");
        assertThat(r.header("X-Tenant-Id")).isEqualTo("acme");
        assertThat(r.bodyText()).isEqualTo("{\"text\":\"hi\"}");
        assertThat(api.post("/api/v1/connections/crm/test", "{\"method\":\"GET\",\"path\":\"/v1/status\"}").json().get("ok").asBoolean()).isTrue();
        assertThat(receiver.requests("/api/v1/status").get(0).method()).isEqualTo("GET");

        for (String bad : new String[] {"{\"method\":\"DELETE\",\"path\":\"/v1/status\"}", "{\"path\":\"/v1/other\"}",
                "{\"path\":\"/v1/notes/../../admin\"}"}) {
            Api.Res refused = api.post("/api/v1/connections/crm/test", bad);
            assertThat(refused.status()).as(bad).isEqualTo(400);
            assertThat(refused.json().at("/error/field").asString()).isEqualTo("path");
        }

        // A change that omits the token keeps it.
        Api.Res p = api.patch("/api/v1/connections/crm", "{\"connection_details\":{\"http\":{\"base_url\":\"" + receiver.url("/api") + "\","
                + "\"allowed_routes\":[\"POST /v1/notes/*\"],\"headers\":{\"X-Tenant-Id\":\"globex\"},\"bearer_token\":{}}}}");
        assertThat(p.status()).as(p.toString()).isEqualTo(200);
        api.post("/api/v1/connections/crm/test", "{\"path\":\"/v1/notes/43\"}");
        Receiver.Request after = receiver.requests("/api/v1/notes/43").get(0);
        assertThat(after.header("Authorization")).isEqualTo("Bearer sk-crm");
        assertThat(after.header("X-Tenant-Id")).isEqualTo("globex");
    }

    @Test
    void anHttpConnectionWithOAuthGetsAndReusesItsToken() {
        create("{\"name\":\"oauth-api\",\"connection_details\":{\"http\":{\"base_url\":\"" + receiver.url("/svc") + "\","
                + "\"oauth_client_credentials\":{\"token_url\":\"" + receiver.url("/token") + "\",\"client_id\":\"id\",\"client_secret\":\"s3cret\"}}}}");
        for (int i = 0; i < 3; i++) assertThat(api.post("/api/v1/connections/oauth-api/test", "{}").json().get("ok").asBoolean()).isTrue();
        assertThat(receiver.requests("/token")).hasSize(1);
        assertThat(receiver.requests("/svc")).hasSize(3).allSatisfy(r -> assertThat(r.header("Authorization")).isEqualTo("Bearer tok-1"));
        assertThat(api.get("/api/v1/connections/oauth-api").text()).doesNotContain("s3cret").contains("\"client_secret_set\":true");
    }

    @Test
    void anEmailWebhookTestChecksCredentialsButSendsNoEmail() {
        create("{\"name\":\"mail\",\"connection_details\":{\"email_webhook\":{\"base_url\":\"" + receiver.url("/customer-email") + "\","
                + "\"oauth_client_credentials\":{\"token_url\":\"" + receiver.url("/token") + "\",\"client_id\":\"id\",\"client_secret\":\"s\"}}}}");
        JsonNode r = api.post("/api/v1/connections/mail/test", "").json();
        assertThat(r.get("ok").asBoolean()).isTrue();
        assertThat(r.get("sent").asBoolean()).isFalse();
        assertThat(r.get("oauth_token").asString()).isEqualTo("obtained");
        assertThat(receiver.requests("/token")).hasSize(1);
        assertThat(receiver.requests("/customer-email")).isEmpty();
    }

    @Test
    void aConnectionsOwnTimeoutAndResponseCapApply() {
        // The slow receiver does not answer before the test ends: the only way the request can end is a timeout.
        Gate never = new Gate();
        receiver.on("/slow", r -> {
            never.pass();
            return Receiver.Reply.ok();
        });
        receiver.onRaw("/big", ex -> {
            ex.sendResponseHeaders(200, 0);
            try (OutputStream out = ex.getResponseBody()) {
                for (int i = 0; i < 400; i++) out.write(new byte[16 * 1024]);
            } catch (IOException expected) {
                // cut off
            }
        });
        create("{\"name\":\"slow\",\"connection_details\":{\"http\":{\"base_url\":\"" + receiver.url("/slow") + "\",\"timeout_seconds\":1}}}");
        create("{\"name\":\"big\",\"connection_details\":{\"http\":{\"base_url\":\"" + receiver.url("/big") + "\",\"max_response_size_bytes\":100000}}}");
        JsonNode slow;
        try {
            slow = api.post("/api/v1/connections/slow/test", "{}").json();
        } finally {
            never.open();
        }
        assertThat(slow.get("ok").asBoolean()).isFalse();
        assertThat(slow.get("error_kind").asString()).isEqualTo("timeout");
        // The connection's 1 s, not the 30 s default: the bound is far from both, so no scheduling delay decides it.
        assertThat(slow.get("duration_ms").asLong()).isLessThan(15_000);
        JsonNode big = api.post("/api/v1/connections/big/test", "{}").json();
        assertThat(big.get("status_code").asInt()).isEqualTo(200);
        assertThat(big.get("response_truncated").asBoolean()).isTrue();
    }

    @Test
    void aSlackIncomingWebhookGetsTheMessage() {
        create("{\"name\":\"team-slack\",\"display_name\":\"Team Slack\",\"connection_details\":{\"slack\":{\"webhook_url\":\"" + receiver.url("/services/T0/B0/x") + "\"}}}");
        JsonNode r = api.post("/api/v1/connections/team-slack/test", "{\"text\":\"A customer email is waiting for review\"}").json();
        assertThat(r.get("ok").asBoolean()).isTrue();
        assertThat(receiver.requests("/services/T0/B0/x").get(0).bodyText()).isEqualTo("{\"text\":\"A customer email is waiting for review\"}");
    }

    @Test
    void slacksWebApiErrorsAreFailuresEvenWithStatus200() {
        ConnectionDetails.Slack bot = new ConnectionDetails.Slack(null, "xoxb-test-token", "#alerts");
        var req = Slack.request(bot, "#alerts", "hi");
        assertThat(req.url().toString()).isEqualTo("https://slack.com/api/chat.postMessage");
        assertThat(req.headers()).containsEntry("Authorization", "Bearer xoxb-test-token");
        assertThat(new String(req.body(), StandardCharsets.UTF_8)).isEqualTo("{\"channel\":\"#alerts\",\"text\":\"hi\"}");
        assertThat(Slack.failure(bot, new OutboundResponse(200, null, "{\"ok\":false,\"error\":\"channel_not_found\"}".getBytes(), false, false)))
                .isEqualTo("Slack refused the message: channel_not_found");
        assertThat(Slack.failure(bot, new OutboundResponse(200, null, "{\"ok\":true}".getBytes(), false, false))).isNull();
        assertThat(Slack.failure(bot, new OutboundResponse(429, null, new byte[0], false, false))).isEqualTo("Slack answered 429");
    }
}
