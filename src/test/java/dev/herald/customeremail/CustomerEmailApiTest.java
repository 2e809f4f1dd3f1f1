package dev.herald.customeremail;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.support.Api;
import dev.herald.support.Await;
import dev.herald.support.Deliveries;
import dev.herald.support.Receiver;
import dev.herald.support.TestHerald;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.JsonNode;

/** The customer-email flow through the API: draft, decide, send the exact artifact once, and the Slack notice. */
class CustomerEmailApiTest {
    static final String SECRET = "your-signing-secret";

    Receiver receiver;
    TestHerald herald;
    Api admin;
    Api publisher;
    Api reviewer;
    Api viewer;

    @BeforeEach
    void start() {
        receiver = new Receiver();
        herald = TestHerald.start(java.util.Map.of("HERALD_PUBLIC_URL", "https://herald.example.com/"));
        admin = herald.newProject("support");
        publisher = admin.as(admin.post("/api/v1/api-keys", "{\"name\":\"issues-expert\",\"role\":\"PUBLISHER\"}").str("api_key"));
        reviewer = admin.as(admin.post("/api/v1/api-keys", "{\"name\":\"dana (support lead)\",\"role\":\"REVIEWER\"}").str("api_key"));
        viewer = admin.as(admin.post("/api/v1/api-keys", "{\"name\":\"dashboard\",\"role\":\"VIEWER\"}").str("api_key"));
        created(admin.post("/api/v1/connections", "{\"name\":\"team-slack\",\"connection_details\":{\"slack\":{\"webhook_url\":\"" + receiver.url("/slack") + "\"}}}"));
        created(admin.post("/api/v1/connections", "{\"display_name\":\"Customer Email Delivery\",\"connection_details\":{\"email_webhook\":{"
                + "\"base_url\":\"" + receiver.url("/customer-email") + "\",\"allowed_routes\":[\"POST /\"],\"bearer_token\":{\"token\":\"sk-live-123\"},"
                + "\"headers\":{\"X-Tenant-ID\":\"acme\"},\"webhook_signing_secret\":\"" + SECRET + "\","
                + "\"slack_connection_name\":\"connections/team-slack\",\"slack_channel\":\"#customer-emails\",\"timeout_seconds\":30}}}"));
        created(admin.post("/api/v1/connections", "{\"name\":\"quiet\",\"connection_details\":{\"email_webhook\":{"
                + "\"base_url\":\"" + receiver.url("/quiet") + "\",\"basic_auth\":{\"username\":\"u\",\"password\":\"p\"}}}}"));
    }

    @AfterEach
    void stop() {
        herald.close();
        receiver.close();
    }

    private static JsonNode created(Api.Res r) {
        assertThat(r.status()).as(r.toString()).isIn(200, 201, 202);
        return r.json();
    }

    static String draftBody(String connection, String session, String subject) {
        return "{\"connection\":\"" + connection + "\",\"customer\":{\"id\":\"tenant-123\",\"name\":\"Acme Corp\"},"
                + "\"email\":{\"subject\":\"" + subject + "\",\"body\":\"We are aware of the issue and are investigating.\\n\\n\u2014 Support <support@example.com>\"},"
                + (session == null ? "" : "\"session_id\":\"" + session + "\",") + "\"issue_url\":\"https://issues.example.com/INC-42\"}";
    }

    private JsonNode awaitStatus(String id, String status) {
        return Await.until("customer email " + id + " " + status, () -> admin.get("/api/v1/customer-emails/" + id).json(),
                e -> e.get("status").asString().equals(status));
    }

    static String hmac(String secret, byte[] body) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        return "sha256=" + HexFormat.of().formatHex(mac.doFinal(body));
    }

    @Test
    void anApprovedDraftIsSentOnceByteForByteSignedAndAuthenticated() throws Exception {
        JsonNode d = created(publisher.post("/api/v1/customer-emails", draftBody("customer-email-delivery", "s-1", "Issue update")));
        String id = d.get("id").asString();
        assertThat(d.get("status").asString()).isEqualTo("pending_review");
        assertThat(d.get("connection").asString()).isEqualTo("customer-email-delivery");
        assertThat(d.at("/created_by/name").asString()).isEqualTo("issues-expert");
        assertThat(d.get("review_url").asString()).isEqualTo("https://herald.example.com/review/drafts/" + id);
        String expected = "{\"customer\":{\"id\":\"tenant-123\",\"name\":\"Acme Corp\"},\"email\":{\"subject\":\"Issue update\","
                + "\"body\":\"We are aware of the issue and are investigating.\\n\\n\u2014 Support <support@example.com>\"}}";
        byte[] payload = expected.getBytes(StandardCharsets.UTF_8);
        assertThat(d.get("payload_sha256").asString()).isEqualTo(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(payload)));

        JsonNode approved = created(reviewer.post("/api/v1/customer-emails/" + id + "/approve", ""));
        assertThat(approved.get("status").asString()).isEqualTo("approved");
        assertThat(approved.at("/decision/action").asString()).isEqualTo("approved");
        assertThat(approved.at("/decision/by/name").asString()).isEqualTo("dana (support lead)");
        assertThat(approved.at("/decision/at").asString()).isNotEmpty();

        Api.Res sent = publisher.post("/api/v1/customer-emails/" + id + "/send", "");
        assertThat(sent.status()).isEqualTo(202);
        String deliveryId = sent.json().at("/delivery/id").asString();
        JsonNode done = awaitStatus(id, "sent");
        assertThat(done.get("sent_at").asString()).isNotEmpty();
        assertThat(done.at("/delivery/attempts/0/status_code").asInt()).isEqualTo(200);

        Receiver.Request r = receiver.requests("/customer-email").get(0);
        assertThat(r.method()).isEqualTo("POST");
        assertThat(r.body()).isEqualTo(payload);
        assertThat(r.header("X-Webhook-Signature")).isEqualTo(hmac(SECRET, payload));
        assertThat(r.header("Authorization")).isEqualTo("Bearer sk-live-123");
        assertThat(r.header("X-Tenant-ID")).isEqualTo("acme");
        assertThat(r.header("Content-Type")).startsWith("application/json");
        assertThat(r.header("Idempotency-Key")).isEqualTo(id);

        Api.Res again = publisher.post("/api/v1/customer-emails/" + id + "/send", "");
        assertThat(again.status()).as("sending twice sends once").isEqualTo(200);
        assertThat(again.json().at("/delivery/id").asString()).isEqualTo(deliveryId);
        // Nothing of the project is waiting or in flight (the email and its session's Slack notice are done, and
        // the second send queued nothing): no second request can come.
        assertThat(Deliveries.awaitSettled(admin)).extracting(n -> n.get("channel").asString()).containsExactlyInAnyOrder("customer_email", "slack");
        assertThat(admin.get("/api/v1/deliveries/" + deliveryId).json().get("attempt_count").asInt()).isEqualTo(1);
        assertThat(receiver.requests("/customer-email")).hasSize(1);
        assertThat(viewer.get("/api/v1/customer-emails?status=sent").json().get("data").size()).isEqualTo(1);
    }

    @Test
    void decisionsAreFinalAndOnlyApprovedDraftsAreSent() {
        String id = created(publisher.post("/api/v1/customer-emails", draftBody("quiet", null, "One"))).get("id").asString();
        assertThat(publisher.post("/api/v1/customer-emails/" + id + "/send", "").status()).as("not approved yet").isEqualTo(409);
        Api.Res noReason = reviewer.post("/api/v1/customer-emails/" + id + "/reject", "{}");
        assertThat(noReason.status()).isEqualTo(400);
        assertThat(noReason.json().at("/error/field").asString()).isEqualTo("reason");
        JsonNode rejected = created(reviewer.post("/api/v1/customer-emails/" + id + "/reject", "{\"reason\":\"Wrong customer\"}"));
        assertThat(rejected.get("status").asString()).isEqualTo("rejected");
        assertThat(rejected.at("/decision/reason").asString()).isEqualTo("Wrong customer");
        assertThat(reviewer.post("/api/v1/customer-emails/" + id + "/approve", "").status()).isEqualTo(409);
        assertThat(publisher.post("/api/v1/customer-emails/" + id + "/send", "").status()).isEqualTo(409);

        String other = created(publisher.post("/api/v1/customer-emails", draftBody("quiet", null, "Two"))).get("id").asString();
        assertThat(admin.post("/api/v1/customer-emails/" + other + "/approve", "").status()).as("CLIENT_ADMIN may decide").isEqualTo(200);
        assertThat(admin.post("/api/v1/customer-emails/" + other + "/reject", "{\"reason\":\"x\"}").status()).isEqualTo(409);
        assertThat(receiver.requests("/quiet")).isEmpty();
    }

    @Test
    void eachRoleDoesOnlyItsPart() {
        String id = created(publisher.post("/api/v1/customer-emails", draftBody("quiet", null, "Roles"))).get("id").asString();
        assertThat(reviewer.post("/api/v1/customer-emails", draftBody("quiet", null, "x")).status()).isEqualTo(403);
        assertThat(viewer.post("/api/v1/customer-emails", draftBody("quiet", null, "x")).status()).isEqualTo(403);
        assertThat(publisher.post("/api/v1/customer-emails/" + id + "/approve", "").status()).as("the drafter cannot approve").isEqualTo(403);
        assertThat(viewer.post("/api/v1/customer-emails/" + id + "/approve", "").status()).isEqualTo(403);
        assertThat(reviewer.get("/api/v1/customer-emails/" + id).status()).isEqualTo(200);
        assertThat(viewer.get("/api/v1/customer-emails").json().get("data").size()).isEqualTo(1);
        reviewer.post("/api/v1/customer-emails/" + id + "/approve", "");
        assertThat(reviewer.post("/api/v1/customer-emails/" + id + "/send", "").status()).isEqualTo(403);
        assertThat(reviewer.get("/api/v1/webhooks").status()).as("a reviewer sees nothing else").isEqualTo(403);
        Api stranger = herald.newProject("other");
        assertThat(stranger.get("/api/v1/customer-emails/" + id).status()).isEqualTo(404);
        assertThat(stranger.post("/api/v1/customer-emails", draftBody("quiet", null, "x")).status()).as("another project's connection").isEqualTo(400);
    }

    @ParameterizedTest(name = "{1}")
    @CsvSource(delimiter = '|', quoteCharacter = '~', value = {
        "{\"connection\":\"nope\",\"customer\":{\"id\":\"1\",\"name\":\"A\"},\"email\":{\"subject\":\"s\",\"body\":\"b\"}}|connection",
        "{\"connection\":\"team-slack\",\"customer\":{\"id\":\"1\",\"name\":\"A\"},\"email\":{\"subject\":\"s\",\"body\":\"b\"}}|connection",
        "{\"customer\":{\"id\":\"1\",\"name\":\"A\"},\"email\":{\"subject\":\"s\",\"body\":\"b\"}}|connection",
        "{\"connection\":\"quiet\",\"email\":{\"subject\":\"s\",\"body\":\"b\"}}|customer",
        "{\"connection\":\"quiet\",\"customer\":{\"id\":\"1\"},\"email\":{\"subject\":\"s\",\"body\":\"b\"}}|customer.name",
        "{\"connection\":\"quiet\",\"customer\":{\"id\":\" \",\"name\":\"A\"},\"email\":{\"subject\":\"s\",\"body\":\"b\"}}|customer.id",
        "{\"connection\":\"quiet\",\"customer\":{\"id\":\"1\",\"name\":\"A\",\"tier\":\"gold\"},\"email\":{\"subject\":\"s\",\"body\":\"b\"}}|customer.tier",
        "{\"connection\":\"quiet\",\"customer\":{\"id\":\"1\",\"name\":\"A\"},\"email\":{\"subject\":\"a\\r\\nBcc: x@evil.com\",\"body\":\"b\"}}|email.subject",
        "{\"connection\":\"quiet\",\"customer\":{\"id\":\"1\",\"name\":\"A\"},\"email\":{\"subject\":\"s\"}}|email.body",
        "{\"connection\":\"quiet\",\"customer\":{\"id\":\"1\",\"name\":\"A\"},\"email\":{\"subject\":\"s\",\"body\":\"b\"},\"issue_url\":\"javascript:alert(1)\"}|issue_url",
        "{\"connection\":\"quiet\",\"customer\":{\"id\":\"1\",\"name\":\"A\"},\"email\":{\"subject\":\"s\",\"body\":\"b\"},\"session_id\":\"\"}|session_id",
        "{\"connection\":\"quiet\",\"customer\":{\"id\":\"1\",\"name\":\"A\"},\"email\":{\"subject\":\"s\",\"body\":\"b\"},\"to\":\"x\"}|to",
    })
    void invalidDraftsAreA400NamingTheField(String body, String field) {
        Api.Res r = publisher.post("/api/v1/customer-emails", body);
        assertThat(r.status()).as(r.toString()).isEqualTo(400);
        assertThat(r.json().at("/error/field").asString()).isEqualTo(field);
    }

    @Test
    void anArtifactAlteredInStorageIsRefusedNotSent() {
        String id = created(publisher.post("/api/v1/customer-emails", draftBody("quiet", null, "Tamper"))).get("id").asString();
        reviewer.post("/api/v1/customer-emails/" + id + "/approve", "");
        alter("customer_emails", "payload", "id = (SELECT :id)", id, "investigating", "ignoring you");
        Api.Res r = publisher.post("/api/v1/customer-emails/" + id + "/send", "");
        assertThat(r.status()).isEqualTo(409);
        assertThat(r.json().at("/error/code").asString()).isEqualTo("artifact_mismatch");
        // The refusal queued nothing: the project has no delivery at all that could still send it.
        assertThat(Deliveries.awaitSettled(admin)).isEmpty();
        assertThat(receiver.requests("/quiet")).isEmpty();
    }

    /** Rewrites stored bytes behind Herald's back, as an attacker with database access would. */
    private void alter(String table, String column, String where, String id, String from, String to) {
        herald.herald().database().writer().execute(h -> {
            byte[] old = h.createQuery("SELECT " + column + " FROM " + table + " WHERE " + where).bind("id", id).mapTo(byte[].class).one();
            byte[] altered = new String(old, StandardCharsets.UTF_8).replace(from, to).getBytes(StandardCharsets.UTF_8);
            assertThat(altered).isNotEqualTo(old);
            return h.createUpdate("UPDATE " + table + " SET " + column + " = :b WHERE " + where).bind("b", altered).bind("id", id).execute();
        });
    }

    @Test
    void aMessageAlteredWhileQueuedIsRefusedAtTheNextAttempt() {
        receiver.on("/quiet", Receiver.Reply.status(503));
        String id = created(publisher.post("/api/v1/customer-emails", draftBody("quiet", null, "Queued tamper"))).get("id").asString();
        reviewer.post("/api/v1/customer-emails/" + id + "/approve", "");
        String messageId = herald.herald().database().read(h -> h.createQuery("SELECT message_id FROM customer_emails WHERE id = :id").bind("id", id)
                .mapTo(String.class).findOne()).orElse(null);
        assertThat(messageId).isNull();
        publisher.post("/api/v1/customer-emails/" + id + "/send", "");
        receiver.await("/quiet", 1, Await.PATIENCE);
        alter("messages", "body", "id = (SELECT message_id FROM customer_emails WHERE id = :id)", id, "Acme", "Evil");
        receiver.on("/quiet", Receiver.Reply.ok());
        JsonNode failed = awaitStatus(id, "failed");
        JsonNode attempts = failed.at("/delivery/attempts");
        assertThat(attempts.get(attempts.size() - 1).get("error_message").asString()).contains("SHA-256");
        assertThat(receiver.requests("/quiet")).as("the altered bytes never left").hasSize(1);
    }

    @Test
    void theFirstDraftOfASessionPostsOneSlackNoticeAndLaterOnesDoNot() {
        String first = created(publisher.post("/api/v1/customer-emails", draftBody("customer-email-delivery", "sess-A", "First <b>&</b>"))).get("id").asString();
        String second = created(publisher.post("/api/v1/customer-emails", draftBody("customer-email-delivery", "sess-A", "Second"))).get("id").asString();
        Receiver.Request notice = receiver.await("/slack", 1, Await.PATIENCE).get(0);
        JsonNode slack = dev.herald.util.Json.parse(notice.bodyText());
        assertThat(slack.get("channel").asString()).isEqualTo("#customer-emails");
        assertThat(slack.get("text").asString()).contains("https://herald.example.com/review/drafts/" + first)
                .contains("https://issues.example.com/INC-42").contains("Acme Corp").contains("First &lt;b&gt;&amp;&lt;/b&gt;");
        assertThat(awaitSlack(first)).isEqualTo("sent");
        assertThat(admin.get("/api/v1/customer-emails/" + second).json().at("/slack_notice/status").asString()).isEqualTo("not_first");
        created(publisher.post("/api/v1/customer-emails", draftBody("customer-email-delivery", "sess-B", "Other session")));
        receiver.await("/slack", 2, Await.PATIENCE);
        // Both notices are recorded and nothing else is queued: the second draft of sess-A cannot still post one.
        assertThat(Deliveries.awaitSettled(admin)).hasSize(2).allSatisfy(n -> assertThat(n.get("status").asString()).isEqualTo("succeeded"));
        assertThat(receiver.requests("/slack")).hasSize(2);
        assertThat(admin.get("/api/v1/customer-emails/" + created(publisher.post("/api/v1/customer-emails", draftBody("quiet", "sess-C", "No slack")))
                .get("id").asString()).json().get("slack_notice").isNull()).isTrue();
    }

    private String awaitSlack(String id) {
        return Await.until("the Slack notice of " + id + " no longer queued", () -> admin.get("/api/v1/customer-emails/" + id).json()
                .at("/slack_notice/status").asString(), s -> !s.equals("queued"));
    }

    @Test
    void aBrokenSlackSetupNeverBlocksDraftingReviewOrSending() {
        receiver.on("/slack", Receiver.Reply.status(500));
        assertThat(admin.delete("/api/v1/connections/team-slack").status()).as("still referenced").isEqualTo(409);
        admin.patch("/api/v1/connections/customer-email-delivery", "{\"connection_details\":{\"email_webhook\":{\"base_url\":\"" + receiver.url("/customer-email")
                + "\",\"bearer_token\":{},\"slack_connection_name\":\"missing-slack\",\"slack_channel\":\"#x\"}}}");
        JsonNode d = created(publisher.post("/api/v1/customer-emails", draftBody("customer-email-delivery", "s-9", "Slack missing")));
        assertThat(d.at("/slack_notice/status").asString()).isEqualTo("failed");
        assertThat(d.at("/slack_notice/error").asString()).contains("missing-slack");
        String id = d.get("id").asString();
        reviewer.post("/api/v1/customer-emails/" + id + "/approve", "");
        publisher.post("/api/v1/customer-emails/" + id + "/send", "");
        awaitStatus(id, "sent");
    }
}
