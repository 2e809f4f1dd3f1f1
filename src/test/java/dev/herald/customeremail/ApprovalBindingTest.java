package dev.herald.customeremail;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.support.Api;
import dev.herald.support.Receiver;
import dev.herald.support.TestHerald;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.JsonNode;

/**
 * An approval binds the destination the reviewer saw (URL, headers, auth identity, signing secret), not
 * only the payload: a connection changed after the approval never receives the email; the send is
 * refused, the draft goes back to review, and the approval is kept as superseded.
 */
class ApprovalBindingTest {
    Receiver receiver;
    TestHerald herald;
    Api admin;
    Api publisher;
    Api reviewer;

    @BeforeEach
    void start() {
        receiver = new Receiver();
        herald = TestHerald.start();
        admin = herald.newProject("binding");
        publisher = admin.as(admin.post("/api/v1/api-keys", "{\"name\":\"issues-expert\",\"role\":\"PUBLISHER\"}").str("api_key"));
        reviewer = admin.as(admin.post("/api/v1/api-keys", "{\"name\":\"Dana\",\"role\":\"REVIEWER\"}").str("api_key"));
        ok(admin.post("/api/v1/connections", "{\"name\":\"mail\",\"connection_details\":{\"email_webhook\":{\"base_url\":\"" + receiver.url("/approved")
                + "\",\"bearer_token\":{\"token\":\"sk-live-123\"},\"headers\":{\"X-Tenant-ID\":\"acme\"},\"webhook_signing_secret\":\"first-secret\"}}}"));
    }

    @AfterEach
    void stop() {
        herald.close();
        receiver.close();
    }

    private static JsonNode ok(Api.Res r) {
        assertThat(r.status()).as(r.toString()).isIn(200, 201, 202);
        return r.json();
    }

    private String approvedDraft() {
        String id = ok(publisher.post("/api/v1/customer-emails", CustomerEmailApiTest.draftBody("mail", null, "Refund"))).get("id").asString();
        JsonNode approved = ok(reviewer.post("/api/v1/customer-emails/" + id + "/approve", ""));
        assertThat(approved.at("/decision/destination_sha256").asString()).isEqualTo(approved.at("/destination/sha256").asString()).hasSize(64);
        assertThat(approved.at("/decision/payload_sha256").asString()).isEqualTo(approved.get("payload_sha256").asString());
        return id;
    }

    private JsonNode draft(String id) {
        return admin.get("/api/v1/customer-emails/" + id).json();
    }

    private JsonNode awaitStatus(String id, String status) {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        JsonNode e = null;
        while (System.nanoTime() < deadline) {
            e = draft(id);
            if (e.get("status").asString().equals(status)) return e;
            Receiver.sleep(30);
        }
        throw new AssertionError("expected status " + status + ", last: " + e);
    }

    @Test
    void aBaseUrlChangedAfterApprovalIsRefusedAtSendAndTheDraftGoesBackToReview() {
        String id = approvedDraft();
        ok(admin.patch("/api/v1/connections/mail", "{\"connection_details\":{\"email_webhook\":{\"base_url\":\"" + receiver.url("/elsewhere")
                + "\",\"bearer_token\":{},\"headers\":{\"X-Tenant-ID\":\"acme\"}}}}"));

        Api.Res refused = publisher.post("/api/v1/customer-emails/" + id + "/send", "");
        assertThat(refused.status()).as(refused.toString()).isEqualTo(409);
        assertThat(refused.json().at("/error/code").asString()).isEqualTo("approval_superseded");
        assertThat(refused.json().at("/error/message").asString()).contains("connection 'mail' changed after the approval").contains("back in review");

        JsonNode back = draft(id);
        assertThat(back.get("status").asString()).isEqualTo("pending_review");
        assertThat(back.get("decision").isNull()).isTrue();
        assertThat(back.get("delivery").isNull()).as("nothing was queued").isTrue();
        assertThat(admin.get("/api/v1/deliveries").json().get("data")).as("no delivery of any kind in this project").isEmpty();
        JsonNode superseded = back.get("superseded_approvals");
        assertThat(superseded).hasSize(1);
        assertThat(superseded.at("/0/by/name").asString()).isEqualTo("Dana");
        assertThat(superseded.at("/0/destination_sha256").asString()).isNotEqualTo(back.at("/destination/sha256").asString());
        assertThat(superseded.at("/0/reason").asString()).contains("changed after the approval");
        assertThat(publisher.post("/api/v1/customer-emails/" + id + "/send", "").status()).as("not approved any more").isEqualTo(409);

        // Approved again, for where it sends now, it goes there.
        JsonNode again = ok(reviewer.post("/api/v1/customer-emails/" + id + "/approve", ""));
        assertThat(again.at("/decision/destination_sha256").asString()).isEqualTo(back.at("/destination/sha256").asString());
        assertThat(publisher.post("/api/v1/customer-emails/" + id + "/send", "").status()).isEqualTo(202);
        receiver.await("/elsewhere", 1, Duration.ofSeconds(15));
        awaitStatus(id, "sent");
        assertThat(receiver.requests("/approved")).isEmpty();
    }

    @Test
    void aConnectionChangedWhileTheSendWaitsForARetryNeverReceivesIt() {
        receiver.on("/approved", Receiver.Reply.status(503));
        String id = approvedDraft();
        assertThat(publisher.post("/api/v1/customer-emails/" + id + "/send", "").status()).isEqualTo(202);
        receiver.await("/approved", 1, Duration.ofSeconds(15));
        ok(admin.patch("/api/v1/connections/mail", "{\"connection_details\":{\"email_webhook\":{\"base_url\":\"" + receiver.url("/elsewhere")
                + "\",\"bearer_token\":{},\"headers\":{\"X-Tenant-ID\":\"acme\"}}}}"));
        JsonNode back = awaitStatus(id, "pending_review");
        // The refused attempt is the delivery's last: it is dead, and the draft no longer carries its message.
        assertThat(back.get("delivery").isNull()).isTrue();
        assertThat(back.at("/superseded_approvals/0/reason").asString()).contains("changed after the approval").contains("refused");
        JsonNode dead = admin.get("/api/v1/dead-letters").json().get("data");
        assertThat(dead).hasSize(1);
        assertThat(receiver.requests("/elsewhere")).isEmpty();
        // Replaying that dead letter sends nothing either: no draft carries its message any more.
        admin.post("/api/v1/dead-letters/replay", "{\"delivery_id\":\"" + dead.get(0).get("id").asString() + "\"}");
        awaitDeadAgain(dead.get(0).get("id").asString());
        assertThat(receiver.requests("/elsewhere")).isEmpty();
    }

    private void awaitDeadAgain(String deliveryId) {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        JsonNode d = null;
        while (System.nanoTime() < deadline) {
            d = admin.get("/api/v1/deliveries/" + deliveryId).json();
            if (d.get("status").asString().equals("dead") && d.get("attempts").size() >= 3) return;
            Receiver.sleep(30);
        }
        throw new AssertionError("expected the replayed delivery to be refused, last: " + d);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "base_url         | true  | {\"base_url\":\"URL/other\",\"bearer_token\":{},\"headers\":{\"X-Tenant-ID\":\"acme\"}}",
        "headers          | true  | {\"base_url\":\"URL/approved\",\"bearer_token\":{},\"headers\":{\"X-Tenant-ID\":\"globex\"}}",
        "bearer token     | true  | {\"base_url\":\"URL/approved\",\"bearer_token\":{\"token\":\"sk-live-999\"},\"headers\":{\"X-Tenant-ID\":\"acme\"}}",
        "auth method      | true  | {\"base_url\":\"URL/approved\",\"basic_auth\":{\"username\":\"u\",\"password\":\"p\"},\"headers\":{\"X-Tenant-ID\":\"acme\"}}",
        "signing secret   | true  | {\"base_url\":\"URL/approved\",\"bearer_token\":{},\"headers\":{\"X-Tenant-ID\":\"acme\"},\"webhook_signing_secret\":\"second-secret\"}",
        "no signature     | true  | {\"base_url\":\"URL/approved\",\"bearer_token\":{},\"headers\":{\"X-Tenant-ID\":\"acme\"},\"webhook_signing_secret\":null}",
        "timeout only     | false | {\"base_url\":\"URL/approved\",\"bearer_token\":{},\"headers\":{\"X-Tenant-ID\":\"acme\"},\"timeout_seconds\":5}",
    })
    void theDestinationCoversUrlHeadersAuthIdentityAndSigningSecret(String what, boolean changes, String details) {
        JsonNode before = ok(publisher.post("/api/v1/customer-emails", CustomerEmailApiTest.draftBody("mail", null, "x")));
        String id = before.get("id").asString();
        String sha = draft(id).at("/destination/sha256").asString();
        ok(admin.patch("/api/v1/connections/mail", "{\"connection_details\":{\"email_webhook\":" + details.replace("URL", receiver.url("")) + "}}"));
        JsonNode after = draft(id).get("destination");
        assertThat(!after.get("sha256").asString().equals(sha)).as(what).isEqualTo(changes);
        // Secrets are never shown, only their fingerprints.
        assertThat(after.toString()).doesNotContain("sk-live").doesNotContain("-secret").doesNotContain("\"p\"");
    }

    @Test
    void anApprovalForADestinationTheReviewerDidNotSeeIsRefused() {
        String id = ok(publisher.post("/api/v1/customer-emails", CustomerEmailApiTest.draftBody("mail", null, "Seen"))).get("id").asString();
        String seen = draft(id).at("/destination/sha256").asString();
        ok(admin.patch("/api/v1/connections/mail", "{\"connection_details\":{\"email_webhook\":{\"base_url\":\"" + receiver.url("/elsewhere")
                + "\",\"bearer_token\":{}}}}"));
        Api.Res r = reviewer.post("/api/v1/customer-emails/" + id + "/approve", "{\"destination_sha256\":\"" + seen + "\"}");
        assertThat(r.status()).as(r.toString()).isEqualTo(409);
        assertThat(r.json().at("/error/code").asString()).isEqualTo("destination_changed");
        assertThat(r.json().at("/error/field").asString()).isEqualTo("destination_sha256");
        assertThat(draft(id).get("status").asString()).isEqualTo("pending_review");
        String now = draft(id).at("/destination/sha256").asString();
        assertThat(ok(reviewer.post("/api/v1/customer-emails/" + id + "/approve", "{\"destination_sha256\":\"" + now + "\"}")).get("status").asString())
                .isEqualTo("approved");
    }
}
