package dev.herald.webhooks;

import static org.assertj.core.api.Assertions.assertThat;

import com.standardwebhooks.Webhook;
import dev.herald.support.Api;
import dev.herald.support.Await;
import dev.herald.support.Deliveries;
import dev.herald.support.Gate;
import dev.herald.support.MutableClock;
import dev.herald.support.Receiver.Reply;
import dev.herald.support.Receiver;
import dev.herald.support.TestHerald;
import dev.herald.util.Json;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** Event delivery end to end: a real Herald posting to a real receiver. */
class DeliveryTest {
    static final Duration WAIT = Await.PATIENCE;
    static TestHerald herald;
    static Receiver receiver;

    @BeforeAll
    static void start() {
        herald = TestHerald.start();
        receiver = new Receiver();
    }

    @AfterAll
    static void stop() {
        receiver.close();
        herald.close();
    }

    static JsonNode subscribe(Api api, String path, String extra) {
        Api.Res r = api.post("/api/v1/webhooks", "{\"url\":\"" + receiver.url(path) + "\"" + (extra.isEmpty() ? ",\"events\":[\"*\"]" : "," + extra) + "}");
        assertThat(r.status()).as(r.toString()).isEqualTo(201);
        return r.json();
    }

    static String publish(Api api, String type, String data) {
        Api.Res r = api.post("/api/v1/events", "{\"type\":\"" + type + "\",\"data\":" + data + "}");
        assertThat(r.status()).as(r.toString()).isEqualTo(202);
        return r.str("id");
    }

    static String publishTo(Api api, String type, String data) {
        return publish(api, type, data);
    }

    /** Polls a delivery until it reaches {@code status}. */
    static JsonNode awaitDelivery(Api api, String deliveryId, String status, Duration timeout) {
        return Await.until("delivery " + deliveryId + " " + status, timeout, () -> api.get("/api/v1/deliveries/" + deliveryId).json(),
                d -> d.get("status").asString().equals(status));
    }

    static String onlyDelivery(Api api, String eventId) {
        JsonNode data = api.get("/api/v1/deliveries?event_id=" + eventId).json().get("data");
        assertThat(data.size()).isEqualTo(1);
        return data.get(0).get("id").asString();
    }

    static String hmacHex(String secret, byte[] body) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        return HexFormat.of().formatHex(mac.doFinal(body));
    }

    static Map<String, List<String>> standardHeaders(Receiver.Request req) {
        return Map.of("webhook-id", List.of(req.header("webhook-id")), "webhook-timestamp", List.of(req.header("webhook-timestamp")),
                "webhook-signature", List.of(req.header("webhook-signature")));
    }

    @Test
    void eventsFanOutOnlyToMatchingSubscriptions() {
        Api api = herald.newProject("fanout");
        subscribe(api, "/fan/all", "\"events\":[\"*\"]");
        subscribe(api, "/fan/ticket", "\"events\":[\"ticket.*\"]");
        subscribe(api, "/fan/exact", "\"events\":[\"ticket.created\"]");
        subscribe(api, "/fan/survey", "\"events\":[\"survey.completed\"]");
        JsonNode disabled = subscribe(api, "/fan/disabled", "\"events\":[\"*\"],\"enabled\":false");
        assertThat(disabled.get("enabled").asBoolean()).isFalse();

        Api.Res r = api.post("/api/v1/events", "{\"type\":\"ticket.created\",\"data\":{\"n\":1}}");
        assertThat(r.json().get("deliveries").asInt()).isEqualTo(3);
        assertThat(api.post("/api/v1/events", "{\"type\":\"ticket.updated\",\"data\":{}}").json().get("deliveries").asInt()).isEqualTo(2);
        assertThat(api.post("/api/v1/events", "{\"type\":\"ticketing.x\",\"data\":{}}").json().get("deliveries").asInt()).isEqualTo(1);

        receiver.await("/fan/all", 3, WAIT);
        receiver.await("/fan/ticket", 2, WAIT);
        receiver.await("/fan/exact", 1, WAIT);
        // Once no delivery of the project is waiting or in flight, nothing more can arrive anywhere.
        assertThat(Deliveries.awaitSettled(api)).hasSize(6).allSatisfy(d -> assertThat(d.get("status").asString()).isEqualTo("succeeded"));
        assertThat(receiver.requests("/fan/survey")).isEmpty();
        assertThat(receiver.requests("/fan/disabled")).isEmpty();
    }

    @Test
    void eachRequestCarriesTheStandardHeadersAndASignatureOverTheExactBody() throws Exception {
        Api api = herald.newProject("headers");
        JsonNode w = subscribe(api, "/hdr", "\"events\":[\"*\"],\"headers\":{\"X-Team\":\"blue\"}");
        String eventId = publish(api, "ticket.created", "{\"subject\":\"Grüße \\\"quoted\\\"\",\"n\":1.50,\"x\":0.1234567890123456789,"
                + "\"big\":123456789012345678901234567890}");
        Receiver.Request req = receiver.await("/hdr", 1, WAIT).get(0);

        assertThat(req.header("Content-Type")).isEqualTo("application/json");
        assertThat(req.header("User-Agent")).matches("Herald/\\S+");
        assertThat(req.header("X-Webhook-Event")).isEqualTo("ticket.created");
        assertThat(req.header("X-Webhook-Delivery")).isEqualTo(onlyDelivery(api, eventId));
        assertThat(req.header("X-Team")).isEqualTo("blue");
        assertThat(req.header("X-Webhook-Signature")).isEqualTo("sha256=" + hmacHex(w.get("secret").asString(), req.body()));

        JsonNode body = Json.parse(req.body());
        assertThat(body.get("id").asString()).isEqualTo(eventId);
        assertThat(body.get("type").asString()).isEqualTo("ticket.created");
        assertThat(body.get("created_at").asString()).matches("\\d{4}-\\d\\d-\\d\\dT.*Z");
        assertThat(body.at("/data/subject").asString()).isEqualTo("Grüße \"quoted\"");
        assertThat(body.propertyNames()).containsExactly("id", "type", "created_at", "data");
        // Numbers are passed through exactly, never rounded to a double.
        assertThat(req.bodyText()).contains("\"n\":1.50").contains("\"x\":0.1234567890123456789").contains("\"big\":123456789012345678901234567890");
    }

    @Test
    void theSignatureHeaderNameIsConfigurable() throws Exception {
        Api api = herald.newProject("wipe");
        JsonNode w = subscribe(api, "/wipe", "\"events\":[\"certificate.issued\"],\"signature\":{\"header\":\"X-Wipe-Signature\"}");
        publish(api, "certificate.issued", "{}");
        Receiver.Request req = receiver.await("/wipe", 1, WAIT).get(0);
        assertThat(req.header("X-Wipe-Signature")).isEqualTo("sha256=" + hmacHex(w.get("secret").asString(), req.body()));
        assertThat(req.header("X-Webhook-Signature")).isNull();
    }

    @Test
    void standardWebhooksSignaturesVerifyWithTheReferenceLibrary() throws Exception {
        Api api = herald.newProject("stdwh");
        JsonNode w = subscribe(api, "/std", "\"events\":[\"*\"],\"signature\":{\"scheme\":\"standard-webhooks\"}");
        String eventId = publish(api, "invoice.paid", "{\"amount\":10}");
        Receiver.Request req = receiver.await("/std", 1, WAIT).get(0);
        assertThat(req.header("webhook-id")).isEqualTo(onlyDelivery(api, eventId));
        Map<String, List<String>> headers = standardHeaders(req);
        new Webhook(w.get("secret").asString()).verify(req.bodyText(), headers);
    }

    @Test
    void timestampedSignaturesCarryTheKeyIdAndSignTimeDotBody() throws Exception {
        Api api = herald.newProject("ts");
        JsonNode w = subscribe(api, "/ts", "\"events\":[\"*\"],\"signature\":{\"scheme\":\"timestamped\",\"header\":\"X-MailWebhook-Signature\"}");
        publish(api, "mail.received", "{}");
        Receiver.Request req = receiver.await("/ts", 1, WAIT).get(0);
        String h = req.header("X-MailWebhook-Signature");
        assertThat(h).matches("t=\\d+, kid=" + w.at("/signature/kid").asString() + ", v1=[A-Za-z0-9+/=]+");
        String t = h.substring(2, h.indexOf(','));
        assertThat(Long.parseLong(t)).isCloseTo(System.currentTimeMillis() / 1000, org.assertj.core.data.Offset.offset(30L));
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(w.get("secret").asString().getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        mac.update((t + ".").getBytes(StandardCharsets.US_ASCII));
        assertThat(h.substring(h.indexOf("v1=") + 3)).isEqualTo(Base64.getEncoder().encodeToString(mac.doFinal(req.body())));
    }

    @Test
    void afterARotationReceiversHoldingEitherSecretKeepVerifying() throws Exception {
        // Herald's clock is moved past the grace period rather than waited out: neither phase depends on how fast this machine is.
        MutableClock clock = new MutableClock();
        try (TestHerald own = TestHerald.start(Map.of(), clock)) {
            Api api = own.newProject("rotate");
            JsonNode w = subscribe(api, "/rot", "\"events\":[\"*\"]");
            String oldSecret = w.get("secret").asString();
            String id = w.get("id").asString();
            String newSecret = api.post("/api/v1/webhooks/" + id + "/rotate-secret", "{\"grace_period\":\"1h\"}").str("secret");

            // During the grace period the previous secret signs: a receiver that has not installed the new one yet still verifies.
            String first = publish(api, "a.b", "{\"n\":1}");
            Receiver.Request during = receiver.await(r -> r.path().equals("/rot") && r.bodyText().contains(first), 1, WAIT).get(0);
            assertThat(during.header("X-Webhook-Signature")).isEqualTo("sha256=" + hmacHex(oldSecret, during.body()));
            awaitDelivery(api, onlyDelivery(api, first), "succeeded", WAIT);
            // After it, the new secret signs.
            clock.advance(Duration.ofHours(1).plusSeconds(1));
            String second = publish(api, "a.b", "{\"n\":2}");
            Receiver.Request after = receiver.await(r -> r.path().equals("/rot") && r.bodyText().contains(second), 1, WAIT).get(0);
            assertThat(after.header("X-Webhook-Signature")).isEqualTo("sha256=" + hmacHex(newSecret, after.body()));
            assertThat(receiver.requests("/rot")).hasSize(2);
        }
    }

    @Test
    void standardWebhooksSendsBothSignaturesDuringARotation() throws Exception {
        Api api = herald.newProject("rotate-std");
        JsonNode w = subscribe(api, "/rotstd", "\"events\":[\"*\"],\"signature\":{\"scheme\":\"standard-webhooks\"}");
        String newSecret = api.post("/api/v1/webhooks/" + w.get("id").asString() + "/rotate-secret", "").str("secret");
        publish(api, "a.b", "{}");
        Receiver.Request req = receiver.await("/rotstd", 1, WAIT).get(0);
        Map<String, List<String>> headers = standardHeaders(req);
        assertThat(req.header("webhook-signature").split(" ")).hasSize(2);
        new Webhook(w.get("secret").asString()).verify(req.bodyText(), headers);
        new Webhook(newSecret).verify(req.bodyText(), headers);
    }

    @Test
    void anIdempotencyKeyReturnsTheFirstAnswerAndCreatesNothingNew() {
        Api api = herald.newProject("idem");
        subscribe(api, "/idem", "\"events\":[\"*\"]");
        Map<String, String> key = Map.of("Idempotency-Key", "order-42");
        String body = "{\"type\":\"order.paid\",\"data\":{\"id\":42}}";
        Api.Res first = api.post("/api/v1/events", body, key);
        Api.Res second = api.post("/api/v1/events", body, key);
        assertThat(first.status()).isEqualTo(202);
        assertThat(second.status()).isEqualTo(202);
        assertThat(second.str("id")).isEqualTo(first.str("id"));
        assertThat(second.json().get("deliveries").asInt()).isEqualTo(1);
        assertThat(second.header("Idempotent-Replayed")).isEqualTo("true");
        receiver.await("/idem", 1, WAIT);
        // The project's one delivery has finished after one attempt, and there is no other: nothing more can arrive.
        List<JsonNode> settled = Deliveries.awaitSettled(api);
        assertThat(settled).hasSize(1);
        assertThat(settled.get(0).get("attempt_count").asInt()).isEqualTo(1);
        assertThat(receiver.requests("/idem")).hasSize(1);
        assertThat(api.get("/api/v1/deliveries").json().get("data").size()).isEqualTo(1);

        Api.Res reused = api.post("/api/v1/events", "{\"type\":\"order.paid\",\"data\":{\"id\":43}}", key);
        assertThat(reused.status()).isEqualTo(422);
        assertThat(reused.json().at("/error/field").asString()).isEqualTo("Idempotency-Key");
        // Keys are per project.
        Api other = herald.newProject("idem-2");
        assertThat(other.post("/api/v1/events", body, key).str("id")).isNotEqualTo(first.str("id"));
    }

    @Test
    void invalidEventsAre400sNamingTheField() {
        Api api = herald.newProject("bad-events");
        assertThat(api.post("/api/v1/events", "{\"data\":{}}").json().at("/error/field").asString()).isEqualTo("type");
        assertThat(api.post("/api/v1/events", "{\"type\":\"has space\",\"data\":{}}").json().at("/error/field").asString()).isEqualTo("type");
        assertThat(api.post("/api/v1/events", "{\"type\":\"a.b\"}").json().at("/error/field").asString()).isEqualTo("data");
        assertThat(api.post("/api/v1/events", "{\"type\":\"a.b\",\"data\":[1]}").json().at("/error/field").asString()).isEqualTo("data");
        assertThat(api.post("/api/v1/events", "{\"type\":\"a.b\",\"data\":{},\"extra\":1}").json().at("/error/field").asString()).isEqualTo("extra");
        assertThat(api.post("/api/v1/events", "[]").status()).isEqualTo(400);
        assertThat(api.post("/api/v1/events", "{\"type\":\"a.b\",\"type\":\"c.d\",\"data\":{}}").status()).isEqualTo(400);
        Api.Res big = api.post("/api/v1/events", "{\"type\":\"a.b\",\"data\":{\"x\":\"" + "a".repeat(1_100_000) + "\"}}");
        assertThat(big.status()).isEqualTo(413);
        assertThat(big.json().at("/error/code").asString()).isEqualTo("payload_too_large");
    }

    @Test
    void failedAttemptsAreRetriedWithTheSameBytesAndDeliveryIdUntilSuccess() {
        Api api = herald.newProject("retry");
        AtomicInteger calls = new AtomicInteger();
        receiver.on("/flaky", r -> calls.incrementAndGet() <= 2 ? Reply.status(500).withBody("boom".getBytes()) : Reply.ok());
        subscribe(api, "/flaky", "\"events\":[\"*\"],\"retry_schedule\":[\"1s\",\"1s\",\"1s\"]");
        String eventId = publish(api, "job.done", "{\"k\":\"v\"}");
        List<Receiver.Request> reqs = receiver.await("/flaky", 3, WAIT);
        assertThat(reqs).extracting(Receiver.Request::bodyText).containsOnly(reqs.get(0).bodyText());
        assertThat(reqs).extracting(r -> r.header("X-Webhook-Delivery")).containsOnly(reqs.get(0).header("X-Webhook-Delivery"));
        assertThat((reqs.get(1).receivedAtNanos() - reqs.get(0).receivedAtNanos()) / 1_000_000).isGreaterThanOrEqualTo(850);

        JsonNode d = awaitDelivery(api, onlyDelivery(api, eventId), "succeeded", WAIT);
        assertThat(d.get("attempt_count").asInt()).isEqualTo(3);
        JsonNode attempts = d.get("attempts");
        assertThat(attempts.size()).isEqualTo(3);
        assertThat(attempts.get(0).get("status_code").asInt()).isEqualTo(500);
        assertThat(attempts.get(0).get("error_kind").asString()).isEqualTo("http_status");
        assertThat(attempts.get(0).get("response_body").asString()).isEqualTo("boom");
        assertThat(attempts.get(2).get("status_code").asInt()).isEqualTo(200);
        assertThat(attempts.get(2).get("error_kind").isNull()).isTrue();
        assertThat(attempts.get(0).get("duration_ms").asLong()).isGreaterThanOrEqualTo(0);
        assertThat(attempts.get(0).get("started_at").asString()).isNotEmpty();
    }

    /** A receiver's NUL bytes are stored (as U+FFFD) like any other text, on both engines; the attempt is not lost. */
    @Test
    void aResponseBodyWithNulBytesIsRecorded() {
        Api api = herald.newProject("nul");
        receiver.on("/nul", Reply.status(400).withBody(new byte[] {'a', 0, 'b'}));
        subscribe(api, "/nul", "\"events\":[\"*\"],\"retry_schedule\":[]");
        String eventId = publish(api, "job.done", "{\"k\":\"\\u0000\"}");
        JsonNode d = awaitDelivery(api, onlyDelivery(api, eventId), "dead", WAIT);
        assertThat(d.at("/attempts/0/response_body").asString()).isEqualTo("a\uFFFDb");
        assertThat(receiver.requests("/nul").get(0).bodyText()).contains("\"k\":\"\\u0000\"");
    }

    @Test
    void exhaustedDeliveriesAreDeadLetteredAndCanBeReplayed() {
        Api api = herald.newProject("dead");
        AtomicInteger mode = new AtomicInteger(500);
        receiver.on("/dead", r -> Reply.status(mode.get()));
        JsonNode w = subscribe(api, "/dead", "\"events\":[\"*\"],\"retry_schedule\":[\"1s\"]");
        String webhookId = w.get("id").asString();
        String e1 = publish(api, "x.y", "{\"n\":1}");
        String e2 = publish(api, "x.y", "{\"n\":2}");
        String d1 = onlyDelivery(api, e1);
        String d2 = onlyDelivery(api, e2);
        JsonNode dead = awaitDelivery(api, d1, "dead", WAIT);
        awaitDelivery(api, d2, "dead", WAIT);
        assertThat(dead.get("attempt_count").asInt()).isEqualTo(2);
        assertThat(dead.get("dead_reason").asString()).contains("exhausted after 2 attempts").contains("500");

        JsonNode letters = api.get("/api/v1/dead-letters?webhook_id=" + webhookId).json().get("data");
        assertThat(letters).extracting(n -> n.get("id").asString()).containsExactlyInAnyOrder(d1, d2);

        mode.set(200);
        Api.Res one = api.post("/api/v1/dead-letters/replay", "{\"delivery_id\":\"" + d1 + "\"}");
        assertThat(one.json().get("replayed").asInt()).isEqualTo(1);
        assertThat(awaitDelivery(api, d1, "succeeded", WAIT).get("attempt_count").asInt()).isEqualTo(3);
        assertThat(api.get("/api/v1/deliveries/" + d2).json().get("status").asString()).isEqualTo("dead");

        Api.Res all = api.post("/api/v1/dead-letters/replay", "{\"webhook_id\":\"" + webhookId + "\",\"since\":\"2000-01-01T00:00:00Z\"}");
        assertThat(all.json().get("replayed").asInt()).isEqualTo(1);
        awaitDelivery(api, d2, "succeeded", WAIT);
        assertThat(api.get("/api/v1/dead-letters?webhook_id=" + webhookId).json().get("data").size()).isZero();
        // Replaying something that is not dead is a 404.
        assertThat(api.post("/api/v1/dead-letters/replay", "{\"delivery_id\":\"" + d1 + "\"}").status()).isEqualTo(404);
    }

    @Test
    void aDeliveryCanBeRetriedByHandButNotWhileItIsStillQueued() {
        Api api = herald.newProject("manual-retry");
        subscribe(api, "/manual", "\"events\":[\"*\"]");
        String d = onlyDelivery(api, publish(api, "x.y", "{}"));
        awaitDelivery(api, d, "succeeded", WAIT);
        Api.Res r = api.post("/api/v1/deliveries/" + d + "/retry", "");
        assertThat(r.status()).isEqualTo(202);
        assertThat(awaitDelivery(api, d, "succeeded", WAIT).get("attempt_count").asInt()).isEqualTo(2);
        receiver.await("/manual", 2, WAIT);
    }

    @Test
    void deliveriesCanBeFilteredByWebhookEventAndStatus() {
        Api api = herald.newProject("filters");
        receiver.on("/filter-bad", Reply.status(500));
        String good = subscribe(api, "/filter-good", "\"events\":[\"*\"]").get("id").asString();
        String bad = subscribe(api, "/filter-bad", "\"events\":[\"*\"],\"retry_schedule\":[]").get("id").asString();
        String e = publish(api, "x.y", "{}");
        receiver.await("/filter-good", 1, WAIT);
        receiver.await("/filter-bad", 1, WAIT);
        // Both outcomes recorded (the bad one dead-lettered), not merely both requests received.
        Deliveries.awaitSettled(api);
        assertThat(api.get("/api/v1/deliveries?webhook_id=" + good).json().get("data").size()).isEqualTo(1);
        assertThat(api.get("/api/v1/deliveries?event_id=" + e).json().get("data").size()).isEqualTo(2);
        JsonNode dead = api.get("/api/v1/deliveries?status=dead").json().get("data");
        assertThat(dead.size()).isEqualTo(1);
        assertThat(dead.get(0).get("webhook_id").asString()).isEqualTo(bad);
        assertThat(api.get("/api/v1/deliveries?status=nonsense").status()).isEqualTo(400);
        assertThat(api.get("/api/v1/deliveries?webhook_id=xyz").json().at("/error/field").asString()).isEqualTo("webhook_id");
        // Pagination
        Api.Res page = api.get("/api/v1/deliveries?limit=1");
        assertThat(page.json().get("data").size()).isEqualTo(1);
        String cursor = page.json().get("next_cursor").asString();
        Api.Res next = api.get("/api/v1/deliveries?limit=1&cursor=" + cursor);
        assertThat(next.json().get("data").get(0).get("id").asString()).isNotEqualTo(page.json().get("data").get(0).get("id").asString());
        assertThat(next.json().get("next_cursor").isNull()).isTrue();
    }

    @Test
    void redirectsAreNotFollowedAndCountAsFailures() {
        Api api = herald.newProject("redirect");
        receiver.on("/moved", Reply.status(302).withHeader("Location", receiver.url("/moved-target")));
        subscribe(api, "/moved", "\"events\":[\"*\"],\"retry_schedule\":[]");
        String d = onlyDelivery(api, publish(api, "x.y", "{}"));
        JsonNode dead = awaitDelivery(api, d, "dead", WAIT);
        assertThat(dead.at("/attempts/0/status_code").asInt()).isEqualTo(302);
        assertThat(dead.at("/attempts/0/error_kind").asString()).isEqualTo("http_status");
        assertThat(receiver.requests("/moved-target")).isEmpty();
    }

    @Test
    void onlyTheFirst4096BytesOfAResponseAreKept() {
        Api api = herald.newProject("capture");
        byte[] big = "0123456789".repeat(10_000).getBytes();
        receiver.on("/big", Reply.ok().withBody(big));
        subscribe(api, "/big", "\"events\":[\"*\"]");
        String d = onlyDelivery(api, publish(api, "x.y", "{}"));
        JsonNode ok = awaitDelivery(api, d, "succeeded", WAIT);
        assertThat(ok.at("/attempts/0/response_body").asString()).hasSize(4096).isEqualTo(new String(big, 0, 4096));
        assertThat(ok.at("/attempts/0/response_truncated").asBoolean()).isTrue();
    }

    @Test
    void aSlowAnswerTimesOutAndARefusedConnectionIsRecorded() throws Exception {
        Api api = herald.newProject("timeouts");
        // The receiver answers only after the test is done, so the 1 s timeout is the only way the attempt can end.
        Gate never = new Gate();
        receiver.on("/slow-timeout", r -> {
            never.pass();
            return Reply.ok();
        });
        try {
            subscribe(api, "/slow-timeout", "\"events\":[\"*\"],\"retry_schedule\":[],\"timeout_seconds\":1");
            int closedPort;
            try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
                closedPort = s.getLocalPort();
            }
            api.post("/api/v1/webhooks", "{\"url\":\"http://127.0.0.1:" + closedPort + "/x\",\"events\":[\"*\"],\"retry_schedule\":[]}");
            String e = publish(api, "x.y", "{}");
            JsonNode list = Await.until("both deliveries of " + e + " dead", WAIT,
                    () -> api.get("/api/v1/deliveries?event_id=" + e + "&status=dead").json().get("data"), l -> l.size() == 2);
            List<String> kinds = new java.util.ArrayList<>();
            for (JsonNode d : list) kinds.add(api.get("/api/v1/deliveries/" + d.get("id").asString()).json().at("/attempts/0/error_kind").asString());
            assertThat(kinds).containsExactlyInAnyOrder("timeout", "connect");
        } finally {
            never.open();
        }
    }

    @Test
    void retryAfterOn429IsHonoured() {
        Api api = herald.newProject("retry-after");
        AtomicInteger calls = new AtomicInteger();
        receiver.on("/busy", r -> calls.incrementAndGet() == 1 ? Reply.status(429).withHeader("Retry-After", "3") : Reply.ok());
        subscribe(api, "/busy", "\"events\":[\"*\"],\"retry_schedule\":[\"1s\"]");
        publish(api, "x.y", "{}");
        List<Receiver.Request> reqs = receiver.await("/busy", 2, WAIT);
        assertThat((reqs.get(1).receivedAtNanos() - reqs.get(0).receivedAtNanos()) / 1_000_000).isGreaterThanOrEqualTo(2_900);
    }

    @Test
    void aDeletedWebhookCancelsItsWaitingDeliveries() {
        Api api = herald.newProject("delete");
        receiver.on("/deleted", Reply.status(500));
        String id = subscribe(api, "/deleted", "\"events\":[\"*\"],\"retry_schedule\":[\"1h\"]").get("id").asString();
        String d = onlyDelivery(api, publish(api, "x.y", "{}"));
        // Its first attempt failed and was recorded: it is waiting for a retry an hour away, not still queued for its first try.
        Await.until("the first attempt of " + d + " recorded", WAIT, () -> api.get("/api/v1/deliveries/" + d).json(),
                j -> j.get("attempt_count").asInt() >= 1 && j.get("status").asString().equals("pending"));
        assertThat(api.delete("/api/v1/webhooks/" + id).status()).isEqualTo(204);
        assertThat(api.get("/api/v1/deliveries/" + d).json().get("status").asString()).isEqualTo("cancelled");
    }
}
