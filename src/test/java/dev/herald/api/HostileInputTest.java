package dev.herald.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.support.Api;
import dev.herald.support.RawHttp;
import dev.herald.support.TestHerald;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * No input makes Herald answer 5xx: every route gets malformed, oversized and wrongly typed input,
 * out-of-range times, numbers, durations, limits and ids, bodies that are not UTF-8, and requests
 * Jetty refuses before a route runs; every refusal is the documented JSON error without internals.
 */
class HostileInputTest {
    static TestHerald herald;
    static Api api;
    static String webhookId;
    static String key;
    static String sourceId;
    /** One inbound source per provider, for the callback sweep. */
    static final List<String> SOURCES = new ArrayList<>();
    static final String SENDGRID_KEY = "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE83T4O/n84iotIvIW4mdBgQ/7dAfSmpqIM8kF9mN1flpVKS3GRqe62gw+2fNNRaINXvVpiglSI8eNEc6wEA3F+g==";

    @BeforeAll
    static void start() {
        // Email on, towards a port where nothing listens: a hostile body that happens to be valid is only queued.
        herald = TestHerald.start(Map.of("NOTIFICATION_TRANSPORT", "smtp", "NOTIFICATION_SMTP_HOST", "127.0.0.1", "NOTIFICATION_SMTP_PORT", "9",
                "NOTIFICATION_SMTP_RETRY_SCHEDULE", "", "NOTIFICATION_SMTP_TIMEOUT", "1s"));
        api = herald.newProject("hostile");
        webhookId = api.post("/api/v1/webhooks", "{\"url\":\"https://hooks.example.com/x\",\"events\":[\"*\"]}").str("id");
        key = api.post("/api/v1/api-keys", "{\"name\":\"raw\",\"role\":\"CLIENT_ADMIN\"}").str("api_key");
        api.post("/api/v1/connections", "{\"name\":\"h\",\"connection_details\":{\"http\":{\"base_url\":\"https://api.example.com\",\"allowed_routes\":[\"POST /*\"]}}}");
        for (String source : List.of("{\"provider\":\"email_status\"}",
                "{\"provider\":\"sendgrid\",\"credentials\":{\"verification_key\":\"" + SENDGRID_KEY + "\"}}",
                "{\"provider\":\"meta_whatsapp\",\"credentials\":{\"app_secret\":\"app-secret\",\"verify_token\":\"verify\"}}",
                "{\"provider\":\"twilio\",\"credentials\":{\"auth_token\":\"0123456789abcdef0123456789abcdef\"}}",
                "{\"provider\":\"plivo\",\"credentials\":{\"auth_token\":\"plivo-auth-token-value\"}}",
                "{\"provider\":\"gupshup\",\"credentials\":{\"token\":\"0123456789abcdef0123\"}}",
                "{\"provider\":\"messagebird\",\"credentials\":{\"signing_key\":\"0123456789abcdef0123456789abcdef\"}}",
                "{\"provider\":\"vonage\",\"credentials\":{\"signature_secret\":\"0123456789abcdef0123456789abcdef\"}}",
                "{\"provider\":\"ses\",\"credentials\":{\"topic_arns\":[\"arn:aws:sns:eu-west-1:123456789012:herald\"]}}")) {
            Api.Res created = api.post("/api/v1/inbound-sources", "{\"name\":\"s" + SOURCES.size() + "\"," + source.substring(1));
            assertThat(created.status()).as(created.toString()).isEqualTo(201);
            SOURCES.add(created.str("id"));
        }
        sourceId = SOURCES.get(0);
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
            "{\"name\":\"n1\",\"display_name\":\"\\u0000\",\"connection_details\":{\"http\":{\"base_url\":\"https://a.example.com\"}}}",
            // The rendering bomb of issue 16 (2^26 bytes from 400): refused before anything is stored
            "{\"to\":[\"a@example.com\"],\"subject\":\"s\",\"text\":\"" + "{{#a}}".repeat(26) + "x" + "{{/a}}".repeat(26) + "\",\"variables\":{\"a\":[1,2]}}",
            // Inbound sources
            "{\"name\":\"x\",\"provider\":\"sendgrid\",\"credentials\":{\"verification_key\":1}}", "{\"name\":\"x\",\"provider\":\"meta_whatsapp\",\"credentials\":[]}",
            "{\"name\":\"x\",\"provider\":null}", "{\"name\":\"x\",\"provider\":\"gupshup\",\"credentials\":{\"token\":\"0123456789abcdef0123\"},"
                    + "\"options\":{\"allowed_ips\":[\"999.1.1.1/99\"],\"header\":\"\\r\\n\"}}",
            "{\"name\":\"x\",\"provider\":\"sendgrid\",\"credentials\":{\"verification_key\":\"" + "A".repeat(100_000) + "\"}}",
            "{\"name\":\"x\",\"provider\":\"twilio\",\"credentials\":{\"auth_token\":\"\\u0000\"}}");

    /** Every route that reads a JSON body. */
    static String[][] bodyRoutes() {
        return new String[][] {
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
            {"POST", "/api/v1/inbound-sources"}, {"PATCH", "/api/v1/inbound-sources/" + sourceId},
        };
    }

    /** Every body on every route: never a 5xx, and every refusal the documented JSON error without internal names. */
    @Test
    void noBodyOnAnyRouteCausesA5xx() {
        List<String> failures = new ArrayList<>();
        for (String[] r : bodyRoutes()) {
            for (String body : BODIES) {
                Api.Res res = api.send(r[0], r[1], body, Map.of());
                if (res.status() >= 500 || res.json() == null || !res.json().has("error") && res.status() >= 400
                        || res.status() >= 400 && INTERNALS.matcher(res.text()).find()) {
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

    /** Junk bodies and junk signature headers sent to every provider's callback URL: a 4xx JSON error, never a 5xx. */
    @Test
    void noCallbackToAnyProviderCausesA5xx() {
        Api anonymous = new Api(herald.port(), null);
        List<Map<String, String>> headerSets = List.of(Map.of(),
                Map.of("webhook-id", "x", "webhook-timestamp", "99999999999999999999", "webhook-signature", "v1,!!!"),
                Map.of("X-Twilio-Email-Event-Webhook-Signature", "%%%", "X-Twilio-Email-Event-Webhook-Timestamp", "-1"),
                Map.of("X-Hub-Signature-256", "sha256=zz"), Map.of("X-Twilio-Signature", "\u00e9"),
                Map.of("X-Plivo-Signature-V3", ",,,", "X-Plivo-Signature-V3-Nonce", ""), Map.of("X-Herald-Token", "0123456789abcdef0123"),
                Map.of("MessageBird-Signature-JWT", "eyJhbGciOiJub25lIn0.e30."), Map.of("Authorization", "Bearer a.b.c"),
                Map.of("x-amz-sns-message-type", "Notification"),
                Map.of("Content-Type", "application/x-www-form-urlencoded"));
        List<String> failures = new ArrayList<>();
        for (String id : SOURCES) {
            for (String body : BODIES) {
                for (Map<String, String> headers : headerSets) {
                    Api.Res res = anonymous.send("POST", "/inbound/" + id + "?bodySHA256=x&a=%ff%fe", body, headers);
                    if (res.status() >= 500 || res.status() != 200 && (res.json() == null || !res.json().has("error"))
                            || res.status() >= 400 && INTERNALS.matcher(res.text()).find()) {
                        failures.add(id + " <- " + body.substring(0, Math.min(60, body.length())) + " " + headers + " => " + res);
                    }
                }
            }
            for (String q : List.of("", "?hub.mode=subscribe", "?hub.challenge=" + "9".repeat(5000) + "&hub.mode=subscribe&hub.verify_token=verify",
                    "?hub.mode=subscribe&hub.mode=subscribe&hub.challenge=1&hub.verify_token=verify", "?%ff%fe=1")) {
                Api.Res res = anonymous.send("GET", "/inbound/" + id + q, null, Map.of());
                if (res.status() >= 500) failures.add("GET " + id + q.substring(0, Math.min(60, q.length())) + " => " + res);
            }
        }
        assertThat(failures).isEmpty();
        assertThat(api.get("/api/v1/message-statuses").json().get("data")).as("nothing unsigned produced a status").isEmpty();
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

    /** A query, path or body value that no parser may let through to arithmetic, and the parameter the 400 must name. */
    record Case(String method, String target, String body, String field) {}

    static final String UUID = "01a206c7-d2c8-79cb-8be7-bf5698e8a73d";
    static final String[] BAD_LIMITS = {"99999999999999999999", "-2147483649", "2147483648", "-1", "0", "501", "1e2", "0x10", "5.0",
        "%D9%A5", "%EF%BC%95", "+", "%205", ""};
    static final String[] BAD_TIMES = {"-999999999-01-01T00:00:00Z", "%2B999999999-12-31T23:59:59Z", "%2B10000-01-01T00:00:00Z",
        "-0001-12-31T23:59:59Z", "2026-02-30T00:00:00Z", "2026-01-01T25:00:00Z", "99999999999999999999", "1700000000000", "2026-01-01"};
    static final String[] BAD_INTEGERS = {"1e400", "-1e400", "99999999999999999999", "-9223372036854775809", "9223372036854775808",
        "2147483648", "-2147483649", "1.5", "0", "-1", "61", "\"10\"", "1e1"};
    static final String[] BAD_DURATIONS = {"\"99999999999d\"", "\"9999999d\"", "\"9223372036854775807ms\"", "\"-1s\"", "\"8d\"", "\"1.5s\"",
        "\"1e3s\"", "\"\u0661s\"", "\"\uff11s\"", "\"\"", "\"s\"", "5"};

    static List<Case> outOfRange() {
        List<Case> cases = new ArrayList<>();
        for (String list : new String[] {"/api/v1/deliveries", "/api/v1/dead-letters", "/api/v1/customer-emails"}) {
            for (String v : BAD_LIMITS) cases.add(new Case("GET", list + "?limit=" + v, null, "limit"));
        }
        for (String v : BAD_TIMES) {
            cases.add(new Case("GET", "/api/v1/dead-letters?since=" + v, null, "since"));
            String decoded = java.net.URLDecoder.decode(v, StandardCharsets.UTF_8);
            cases.add(new Case("POST", "/api/v1/dead-letters/replay", "{\"webhook_id\":\"" + UUID + "\",\"since\":\"" + decoded + "\"}", "since"));
            cases.add(new Case("POST", "/api/v1/dead-letters/replay", "{\"email_id\":\"" + UUID + "\",\"since\":\"" + decoded + "\"}", "since"));
        }
        String longId = UUID + "0";
        for (String p : new String[] {"webhook_id", "event_id", "email_id", "cursor"}) {
            for (String v : new String[] {longId, UUID.replace('-', '_'), "%00", UUID.substring(1), "g" + UUID.substring(1)}) {
                cases.add(new Case("GET", "/api/v1/deliveries?" + p + "=" + v, null, p));
            }
        }
        cases.add(new Case("GET", "/api/v1/dead-letters?webhook_id=" + longId, null, "webhook_id"));
        cases.add(new Case("GET", "/api/v1/customer-emails?cursor=" + longId, null, "cursor"));
        for (String p : new String[] {"delivery_id", "webhook_id", "email_id"}) {
            cases.add(new Case("POST", "/api/v1/dead-letters/replay", "{\"" + p + "\":\"" + longId + "\"}", p));
            cases.add(new Case("POST", "/api/v1/dead-letters/replay", "{\"" + p + "\":1e400}", p));
        }
        for (String v : BAD_INTEGERS) {
            cases.add(new Case("POST", "/api/v1/webhooks", "{\"url\":\"https://hooks.example.com/r\",\"events\":[\"*\"],\"timeout_seconds\":" + v + "}", "timeout_seconds"));
            cases.add(new Case("PATCH", "/api/v1/webhooks/" + webhookId, "{\"timeout_seconds\":" + v + "}", "timeout_seconds"));
            cases.add(new Case("PATCH", "/api/v1/connections/h", "{\"connection_details\":{\"http\":{\"base_url\":\"https://api.example.com\",\"timeout_seconds\":" + v + "}}}",
                    "connection_details.http.timeout_seconds"));
        }
        for (String v : new String[] {"1e400", "99999999999999999999", "-9223372036854775809", "9223372036854775808", "1073741825", "0", "-1", "1.5"}) {
            cases.add(new Case("PATCH", "/api/v1/connections/h", "{\"connection_details\":{\"http\":{\"base_url\":\"https://api.example.com\",\"max_response_size_bytes\":" + v + "}}}",
                    "connection_details.http.max_response_size_bytes"));
        }
        for (String v : BAD_DURATIONS) {
            cases.add(new Case("POST", "/api/v1/webhooks", "{\"url\":\"https://hooks.example.com/r\",\"events\":[\"*\"],\"retry_schedule\":[" + v + "]}", "retry_schedule"));
            cases.add(new Case("PATCH", "/api/v1/webhooks/" + webhookId, "{\"retry_schedule\":[\"1s\"," + v + "]}", "retry_schedule"));
            cases.add(new Case("POST", "/api/v1/webhooks/" + webhookId + "/rotate-secret", "{\"grace_period\":" + v + "}", "grace_period"));
        }
        return cases;
    }

    @Test
    void outOfRangeTimesNumbersDurationsLimitsAndIdsAre400sNamingTheParameter() {
        List<String> failures = new ArrayList<>();
        for (Case c : outOfRange()) {
            RawHttp.Res r = RawHttp.send(herald.port(), c.method(), c.target(), List.<String[]>of(new String[] {"Authorization", "Bearer " + key},
                    new String[] {"Content-Type", "application/json"}), c.body() == null ? null : c.body().getBytes(StandardCharsets.UTF_8));
            JsonNode json = r.json();
            String field = json == null ? null : json.at("/error/field").asString(null);
            if (r.status() != 400 || field == null || !field.startsWith(c.field())) {
                failures.add(c.method() + " " + c.target() + (c.body() == null ? "" : " <- " + c.body()) + " => " + r);
            }
        }
        assertThat(failures).isEmpty();
    }

    /** Byte sequences that are not UTF-8: a stray FF FE, an encoded surrogate, overlong forms, a 5-byte form, past U+10FFFF, truncated, a lone continuation. */
    static final String[] NOT_UTF8 = {"fffe", "eda080", "edbfbf", "c0af", "e080af", "f08282ac", "f888808080", "f4908080", "e282", "80", "c3"};

    @Test
    void bodiesThatAreNotUtf8Are400sOnEveryJsonRoute() {
        int deliveriesBefore = api.get("/api/v1/deliveries?limit=500").json().get("data").size();
        List<String> failures = new ArrayList<>();
        for (String[] route : bodyRoutes()) {
            for (String hex : NOT_UTF8) {
                ByteArrayOutputStream body = new ByteArrayOutputStream();
                body.writeBytes("{\"type\":\"a.b\",\"data\":{\"text\":\"caf".getBytes(StandardCharsets.UTF_8));
                body.writeBytes(HexFormat.of().parseHex(hex));
                body.writeBytes("\"}}".getBytes(StandardCharsets.UTF_8));
                RawHttp.Res r = RawHttp.send(herald.port(), route[0], route[1], List.<String[]>of(new String[] {"Authorization", "Bearer " + key},
                        new String[] {"Content-Type", "application/json"}), body.toByteArray());
                JsonNode json = r.json();
                if (r.status() != 400 || json == null || !json.at("/error/message").asString("").contains("request body is not valid UTF-8")) {
                    failures.add(route[0] + " " + route[1] + " <- " + hex + " => " + r);
                }
            }
        }
        assertThat(failures).isEmpty();
        assertThat(api.get("/api/v1/deliveries?limit=500").json().get("data").size()).as("no event was accepted").isEqualTo(deliveriesBefore);

        RawHttp.Res latin1 = RawHttp.send(herald.port(), "POST", "/api/v1/events", List.<String[]>of(new String[] {"Authorization", "Bearer " + key},
                new String[] {"Content-Type", "application/json; charset=iso-8859-1"}), "{\"type\":\"a.b\",\"data\":{\"t\":\"caf\u00e9\"}}".getBytes(StandardCharsets.ISO_8859_1));
        assertThat(latin1.status()).as(latin1.toString()).isEqualTo(400);
        assertThat(latin1.json().at("/error/field").asString()).isEqualTo("Content-Type");

        // Real UTF-8 (two-, three- and four-byte forms), declared or not, still goes through unchanged.
        String name = "Zo\u00eb \u2014 \ud83d\ude00";
        for (String type : new String[] {"application/json", "application/json; charset=UTF-8", "application/json;charset=\"utf-8\""}) {
            RawHttp.Res ok = RawHttp.send(herald.port(), "POST", "/api/v1/api-keys", List.<String[]>of(new String[] {"Authorization", "Bearer " + key},
                    new String[] {"Content-Type", type}), ("{\"name\":\"" + name + "\",\"role\":\"VIEWER\"}").getBytes(StandardCharsets.UTF_8));
            assertThat(ok.status()).as(ok.toString()).isEqualTo(201);
            assertThat(ok.json().get("name").asString()).isEqualTo(name);
        }
    }

    /** What an error body must never show: an HTML page, a library's or the JDK's class names. */
    static final Pattern INTERNALS = Pattern.compile("<html|<body|tools\\.jackson|com\\.fasterxml|org\\.eclipse|io\\.javalin|java\\.|jakarta\\.|dev\\.herald|Exception|`");

    static final String[] BAD_JSON = {"{", "}", "[", "{\"a\":}", "{\"a\":1}x", "{\"a\":'x'}", "{'a':1}", "{\"a\":NaN}", "{\"a\":01}", "{\"a\":.5}",
        "{\"a\":1e999999999999}", "{\"a\":-1e-999999999999}", "{\"a\":[1e9999999999,2]}", "{\"a\":1" + "0".repeat(2000) + "}", "{\"a\":" + "[".repeat(1200) + "]".repeat(1200) + "}",
        "{\"a\":\"\\ud800x\"}", "{\"\\ud800\":1}", "{\"a\":\"\\u12\"}", "{\"a\":\"\\x41\"}", "{\"a\":\"\u0001\"}", "{\"a\":1,\"a\":2}",
        "{\"a\":tru}", "{\"a\":nul}", "{\"a\":\"" + "x".repeat(100) + "}", "\ufeff{}", "{\"a\":[1,]}", "{\"a\":{\"b\":1,}}", "/*c*/{}", "{}//"};

    @Test
    void errorsFromEveryLayerAreTheDocumentedJsonWithoutHtmlOrClassNames() {
        List<String[]> auth = List.<String[]>of(new String[] {"Authorization", "Bearer " + key});
        List<RawHttp.Res> answers = new ArrayList<>();
        List<String> asked = new ArrayList<>();
        for (String target : new String[] {"/api/v1/webhooks/%00", "/api/v1/webhooks/%2F", "/api/v1/webhooks/a%2Fb", "/api/v1/x%", "/api/v1/x%zz",
            "/api/v1/%c0%ae%c0%ae/", "/api/v1/webhooks/%2e%2e%2f%2e%2e", "/api/v1/webhooks/..%5c..", "/api/v1//webhooks", "/api/v1/webhooks;x=1",
            "/api/v1/webhooks/" + "a".repeat(20_000), "/%00", "/metrics%00", "/review/drafts/%00", "/api/v1/deliveries?limit=%zz",
            "/api/v1/deliveries?since=%E0%A4", "/api/v1/deliveries?%zz=1", "/nothing-here", "*"}) {
            asked.add("GET " + target);
            answers.add(RawHttp.send(herald.port(), "GET", target, auth, null));
        }
        asked.add("60 KB header");
        answers.add(RawHttp.send(herald.port(), "GET", "/api/v1/webhooks", List.<String[]>of(auth.get(0), new String[] {"X-Big", "a".repeat(60_000)}), null));
        asked.add("control character in a header");
        answers.add(RawHttp.send(herald.port(), "GET", "/api/v1/webhooks", List.<String[]>of(auth.get(0), new String[] {"X-Bad", "a\u0001b"}), null));
        for (String line : new String[] {"GET /api/v1/webhooks HTTP/9.9", "GET /api/v1/webhooks HTTP/1.1 extra", "BREW /api/v1/webhooks HTTP/1.1",
            "GET api/v1/webhooks HTTP/1.1", "GET /api/v1/webhooks HTTP/1.1\u0000"}) {
            asked.add(line);
            answers.add(RawHttp.exchange(herald.port(), (line + "\r\nHost: a\r\nAuthorization: Bearer " + key + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.UTF_8)));
        }
        for (String body : BAD_JSON) {
            for (String route : new String[] {"/api/v1/webhooks", "/api/v1/events", "/api/v1/emails"}) {
                asked.add("POST " + route + " <- " + body.substring(0, Math.min(40, body.length())));
                answers.add(RawHttp.send(herald.port(), "POST", route, List.<String[]>of(auth.get(0), new String[] {"Content-Type", "application/json"}),
                        body.getBytes(StandardCharsets.UTF_8)));
            }
        }
        asked.add("wrong method");
        answers.add(RawHttp.send(herald.port(), "PUT", "/api/v1/events", auth, new byte[0]));
        List<String> failures = new ArrayList<>();
        for (int i = 0; i < answers.size(); i++) {
            RawHttp.Res r = answers.get(i);
            JsonNode json = r.json();
            boolean shaped = json != null && json.at("/error/code").isString() && json.at("/error/message").isString();
            if (r.status() < 400 || r.status() >= 500 || !String.valueOf(r.header("Content-Type")).startsWith("application/json") || !shaped
                    || INTERNALS.matcher(r.body()).find()) {
                failures.add(asked.get(i) + " => " + r);
            }
        }
        assertThat(failures).isEmpty();
    }
}
