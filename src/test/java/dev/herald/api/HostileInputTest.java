package dev.herald.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.support.Api;
import dev.herald.support.TestHerald;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** No input makes Herald answer 5xx: every route gets malformed, oversized and wrongly typed input. */
class HostileInputTest {
    static TestHerald herald;
    static Api api;
    static String webhookId;

    @BeforeAll
    static void start() {
        // Email on, towards a port where nothing listens: a hostile body that happens to be valid is only queued.
        herald = TestHerald.start(Map.of("NOTIFICATION_TRANSPORT", "smtp", "NOTIFICATION_SMTP_HOST", "127.0.0.1", "NOTIFICATION_SMTP_PORT", "9",
                "NOTIFICATION_SMTP_RETRY_SCHEDULE", "", "NOTIFICATION_SMTP_TIMEOUT", "1s"));
        api = herald.newProject("hostile");
        webhookId = api.post("/api/v1/webhooks", "{\"url\":\"https://hooks.example.com/x\",\"events\":[\"*\"]}").str("id");
        api.post("/api/v1/connections", "{\"name\":\"h\",\"connection_details\":{\"http\":{\"base_url\":\"https://api.example.com\",\"allowed_routes\":[\"POST /*\"]}}}");
    }

    @AfterAll
    static void stop() {
        herald.close();
    }

    static final List<String> BODIES = List.of("", "null", "true", "1", "\"s\"", "[]", "{", "}", "{}", "{\"a\":}", "\u0000", "{\"url\":null}",
            "{\"url\":1,\"events\":1}", "{\"events\":[null]}", "{\"events\":[1,2]}", "{\"timeout_seconds\":1e400}", "{\"timeout_seconds\":-1}",
            "{\"timeout_seconds\":99999999999999999999}", "{\"retry_schedule\":\"1s\"}", "{\"retry_schedule\":[1]}",
            "{\"retry_schedule\":[\"99999999999d\"]}", "{\"headers\":[]}", "{\"headers\":{\"X-A\":1}}", "{\"headers\":{\"X-A\":\"\u00e9\"}}",
            "{\"headers\":{\"\":\"v\"}}", "{\"signature\":\"x\"}", "{\"signature\":{\"scheme\":null}}", "{\"signature\":{\"header\":\"\"}}",
            "{\"url\":\"https://[::1\",\"events\":[\"*\"]}", "{\"url\":\"https:///nohost\",\"events\":[\"*\"]}", "{\"url\":\"\",\"events\":[\"*\"]}",
            "{\"url\":\"https://h.example.com/" + "a".repeat(5000) + "\",\"events\":[\"*\"]}", "{\"type\":\"\",\"data\":{}}",
            "{\"type\":null,\"data\":null}", "{\"type\":\"" + "a".repeat(300) + "\",\"data\":{}}", "{\"type\":\"a.b\",\"data\":\"str\"}",
            "{\"name\":\"\",\"role\":\"\"}", "{\"delivery_id\":\"x\"}", "{\"webhook_id\":1}", "{\"webhook_id\":\"" + "0".repeat(36) + "\",\"since\":\"yesterday\"}",
            "{\"grace_period\":\"-1s\"}", "{\"grace_period\":5}", "{\"auth\":{\"bearer_token\":null}}", "{\"auth\":{\"basic_auth\":[]}}",
            "{\"auth\":{\"oauth_client_credentials\":{\"scopes\":[1]}}}", "{\"auth\":{\"static_headers\":{\"headers\":null}}}",
            "{\"connection_details\":null}", "{\"connection_details\":{\"http\":[]}}", "{\"connection_details\":{\"slack\":{\"bot_token\":1}}}",
            "{\"connection_details\":{\"email_webhook\":{\"base_url\":\"https://a.example.com\",\"basic_auth\":{\"username\":\"\\u0000\"}}}}",
            "{\"connection_details\":{\"http\":{\"base_url\":\"https://a.example.com\",\"max_response_size_bytes\":1e30}}}",
            "{\"name\":\"" + "n".repeat(300) + "\"}", "{\"method\":\"BREW\",\"path\":\"x\"}", "{\"path\":\"/%2e%2e/admin\"}", "{\"body\":" + "[".repeat(3000) + "]".repeat(3000) + "}", "{\"a\":" + "[".repeat(5000) + "]".repeat(5000) + "}",
            "{\"to\":[{}]}", "{\"to\":[null]}", "{\"to\":[[]]}", "{\"to\":[\"a@example.com\"],\"template\":1}",
            "{\"to\":[\"a@example.com\"],\"template\":\"../x\"}", "{\"to\":[\"<>\"],\"subject\":\"s\",\"text\":\"t\"}",
            "{\"to\":[\"a@example.com\"],\"template\":\"user_invited\",\"variables\":{\"a\":" + "[".repeat(900) + "]".repeat(900) + "}}",
            "{\"to\":[\"a@example.com\"],\"subject\":\"{{#a}}\",\"text\":\"{{/b}}\",\"variables\":{}}",
            "{\"to\":[\"a@example.com\"],\"subject\":\"s\",\"html\":\"{{{\",\"variables\":{}}", "{\"subject\":\"{{\",\"text\":\"x\"}",
            "{\"subject\":\"s\",\"text\":\"{{=<% %>=}}<%x%>\"}", "{\"subject\":\"s\",\"html\":\"{{> partial}}\"}",
            "{\"to\":[\"a@example.com\"],\"subject\":\"" + "s".repeat(2000) + "\",\"text\":\"t\"}",
            "{\"to\":[{\"email\":\"a@example.com\",\"name\":\"\\u202e\\ud800\"}],\"subject\":\"s\",\"text\":\"t\"}",
            // NUL in text that is stored as text (PostgreSQL's text type cannot hold it)
            "{\"url\":\"https://hooks.example.com/n\",\"events\":[\"*\"],\"description\":\"a\\u0000b\"}",
            "{\"url\":\"https://hooks.example.com/n\",\"events\":[\"a\\u0000\"]}",
            "{\"url\":\"https://hooks.example.com/n\",\"events\":[\"*\"],\"headers\":{\"X-A\":\"\\u0000\"}}",
            "{\"name\":\"a\\u0000b\",\"role\":\"VIEWER\"}", "{\"subject\":\"a\\u0000b\",\"text\":\"x\"}",
            "{\"to\":[\"a@example.com\"],\"subject\":\"a\\u0000\",\"text\":\"t\"}",
            "{\"name\":\"n1\",\"display_name\":\"\\u0000\",\"connection_details\":{\"http\":{\"base_url\":\"https://a.example.com\"}}}");

    @Test
    void noBodyOnAnyRouteCausesA5xx() {
        String[][] routes = {
            {"POST", "/api/v1/webhooks"}, {"PATCH", "/api/v1/webhooks/" + webhookId}, {"POST", "/api/v1/webhooks/" + webhookId + "/rotate-secret"},
            {"POST", "/api/v1/events"}, {"POST", "/api/v1/api-keys"}, {"POST", "/api/v1/dead-letters/replay"},
            {"POST", "/api/v1/deliveries/" + webhookId + "/retry"}, {"POST", "/api/v1/connections"}, {"PATCH", "/api/v1/connections/h"},
            {"POST", "/api/v1/connections/h/test"}, {"POST", "/api/v1/customer-emails"},
            {"POST", "/api/v1/customer-emails/" + webhookId + "/approve"}, {"POST", "/api/v1/customer-emails/" + webhookId + "/reject"},
            {"POST", "/api/v1/customer-emails/" + webhookId + "/send"},
            {"POST", "/api/v1/emails"}, {"PUT", "/api/v1/email-templates/x"},
            {"PUT", "/api/v1/email-templates/user_invited"},
            {"POST", "/api/v1/webhooks/" + webhookId + "/test"}, {"POST", "/api/v1/deliveries/" + webhookId + "/cancel"},
            {"POST", "/api/v1/emails/" + webhookId + "/cancel"},
        };
        List<String> failures = new ArrayList<>();
        for (String[] r : routes) {
            for (String body : BODIES) {
                Api.Res res = api.send(r[0], r[1], body, Map.of());
                if (res.status() >= 500 || res.json() == null || !res.json().has("error") && res.status() >= 400) {
                    failures.add(r[0] + " " + r[1] + " <- " + body.substring(0, Math.min(60, body.length())) + " => " + res);
                }
            }
        }
        assertThat(failures).isEmpty();
    }

    @Test
    void noQueryParameterCausesA5xx() {
        String[] queries = {"/api/v1/deliveries?limit=abc", "/api/v1/deliveries?limit=0", "/api/v1/deliveries?limit=100000",
            "/api/v1/deliveries?cursor=zzz", "/api/v1/deliveries?status=%00", "/api/v1/deliveries?event_id=%27%20OR%201%3D1",
            "/api/v1/dead-letters?since=tomorrow", "/api/v1/dead-letters?since=", "/api/v1/webhooks/%2e%2e", "/api/v1/deliveries/%00",
            "/api/v1/connections/%2e%2e", "/api/v1/connections/A%20B", "/api/v1/connections/" + "x".repeat(500),
            "/api/v1/customer-emails?status=nope", "/api/v1/customer-emails?cursor=zzz", "/api/v1/customer-emails?limit=-1", "/api/v1/customer-emails/%00",
            "/api/v1/deliveries?channel=sms", "/api/v1/deliveries?email_id=x", "/api/v1/dead-letters?email_id=%00", "/api/v1/emails/%00",
            "/api/v1/emails/" + "0".repeat(36), "/api/v1/email-templates/%2e%2e", "/api/v1/email-templates/" + "x".repeat(500),
            "/api/v1/events?type=%00", "/api/v1/events?type=a.**", "/api/v1/events?since=x", "/api/v1/events?until=2026-13-01T00:00:00Z",
            "/api/v1/events?cursor=zzz", "/api/v1/events?cursor=" + "0".repeat(36), "/api/v1/events?limit=-1", "/api/v1/events/%00",
            "/api/v1/events/" + webhookId, "/api/v1/api-keys?cursor=zzz", "/api/v1/api-keys?limit=0"};
        for (String q : queries) {
            Api.Res res = api.get(q);
            assertThat(res.status()).as(q + " => " + res).isBetween(400, 499);
        }
    }

    @Test
    void theReviewPageNeverAnswers5xxToJunk() {
        String[][] requests = {{"POST", "/review/sign-in", "api_key=" + "x".repeat(5000)}, {"POST", "/review/sign-in", "%%%"},
            {"POST", "/review/sign-in", ""}, {"POST", "/review/drafts/x/approve", "csrf=1"}, {"POST", "/review/drafts/x/reject", "reason="},
            {"GET", "/review/drafts/%00", null}, {"GET", "/review?status=%27", null}, {"POST", "/review/sign-out", "csrf="}};
        for (String[] r : requests) {
            Api.Res res = api.send(r[0], r[1], r[2], Map.of("Content-Type", "application/x-www-form-urlencoded", "Cookie", "herald_review=" + "A".repeat(40)));
            assertThat(res.status()).as(r[0] + " " + r[1] + " => " + res).isLessThan(500);
        }
    }

    @Test
    void wrongContentOrMethodIsA4xx() {
        Api.Res r = api.send("PUT", "/api/v1/events", "{}", Map.of());
        assertThat(r.status()).isBetween(400, 499);
        Api.Res xml = api.send("POST", "/api/v1/events", "<xml/>", Map.of("Content-Type", "application/xml"));
        assertThat(xml.status()).isEqualTo(400);
    }
}
