package dev.herald.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.support.Api;
import dev.herald.support.TestHerald;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** {@code GET /api/v1/api-keys} and {@code DELETE /api/v1/api-keys/{id}}: listing never shows a key, revoking takes effect at once. */
class ApiKeysTest {
    static TestHerald herald;
    static final HttpClient HTTP = HttpClient.newHttpClient();

    @BeforeAll
    static void start() {
        herald = TestHerald.start();
    }

    @AfterAll
    static void stop() {
        herald.close();
    }

    private static JsonNode createKey(Api admin, String name, String role) {
        Api.Res r = admin.post("/api/v1/api-keys", "{\"name\":\"" + name + "\",\"role\":\"" + role + "\"}");
        assertThat(r.status()).as(r.toString()).isEqualTo(201);
        return r.json();
    }

    private static JsonNode listed(Api admin, String id) {
        for (JsonNode k : admin.get("/api/v1/api-keys?limit=500").json().get("data")) if (k.get("id").asString().equals(id)) return k;
        return null;
    }

    @Test
    void keysAreListedByNameRolePrefixAndTimesButNeverByValue() {
        Api admin = herald.newProject("list-keys");
        JsonNode ci = createKey(admin, "ci", "PUBLISHER");
        JsonNode board = createKey(admin, "board", "VIEWER");
        Api.Res r = admin.get("/api/v1/api-keys");
        assertThat(r.status()).isEqualTo(200);
        JsonNode data = r.json().get("data");
        assertThat(data).hasSize(3);
        assertThat(r.text()).doesNotContain(ci.get("api_key").asString()).doesNotContain(board.get("api_key").asString())
                .doesNotContain("api_key").doesNotContain("hash");
        assertThat(data.get(0).get("id").asString()).as("newest first").isEqualTo(board.get("id").asString());
        JsonNode first = data.get(1);
        assertThat(first.get("name").asString()).isEqualTo("ci");
        assertThat(first.get("role").asString()).isEqualTo("PUBLISHER");
        assertThat(first.get("prefix").asString()).isEqualTo(ci.get("api_key").asString().substring(0, 10));
        assertThat(first.get("created_at").asString()).isEqualTo(ci.get("created_at").asString());
        assertThat(first.get("last_used_at").isNull()).isTrue();
        assertThat(r.json().get("next_cursor").isNull()).isTrue();

        List<String> paged = new ArrayList<>();
        String cursor = null;
        do {
            JsonNode page = admin.get("/api/v1/api-keys?limit=1" + (cursor == null ? "" : "&cursor=" + cursor)).json();
            page.get("data").forEach(k -> paged.add(k.get("id").asString()));
            cursor = page.get("next_cursor").isNull() ? null : page.get("next_cursor").asString();
        } while (cursor != null);
        assertThat(paged).hasSize(3).doesNotHaveDuplicates();

        Api.Res badCursor = admin.get("/api/v1/api-keys?cursor=nope");
        assertThat(badCursor.status()).isEqualTo(400);
        assertThat(badCursor.json().at("/error/field").asString()).isEqualTo("cursor");
        Api viewer = admin.as(board.get("api_key").asString());
        assertThat(viewer.get("/api/v1/api-keys").status()).isEqualTo(403);
        assertThat(viewer.delete("/api/v1/api-keys/" + ci.get("id").asString()).status()).isEqualTo(403);
    }

    @Test
    void lastUsedAtIsRecordedOnUseAndAtMostOnceAMinute() {
        Api admin = herald.newProject("last-used");
        JsonNode key = createKey(admin, "ci", "VIEWER");
        String id = key.get("id").asString();
        Api viewer = admin.as(key.get("api_key").asString());
        assertThat(viewer.get("/api/v1/webhooks").status()).isEqualTo(200);
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        JsonNode k = listed(admin, id);
        while (k.get("last_used_at").isNull() && System.nanoTime() < deadline) k = listed(admin, id);
        String firstUse = k.get("last_used_at").asString();
        assertThat(firstUse).isNotNull();

        assertThat(viewer.get("/api/v1/webhooks").status()).isEqualTo(200);
        // A write after the second use: the writer commits in order, so a second last_used_at write would be in by now.
        createKey(admin, "barrier", "VIEWER");
        assertThat(listed(admin, id).get("last_used_at").asString()).isEqualTo(firstUse);
    }

    @Test
    void aRevokedKeyFailsAtOnceEvenRightAfterItWasUsed() {
        Api admin = herald.newProject("revoke");
        JsonNode key = createKey(admin, "ci", "PUBLISHER");
        Api publisher = admin.as(key.get("api_key").asString());
        assertThat(publisher.post("/api/v1/events", "{\"type\":\"a.b\",\"data\":{}}").status()).isEqualTo(202);

        assertThat(admin.delete("/api/v1/api-keys/" + key.get("id").asString()).status()).isEqualTo(204);
        Api.Res refused = publisher.post("/api/v1/events", "{\"type\":\"a.b\",\"data\":{}}");
        assertThat(refused.status()).isEqualTo(401);
        assertThat(refused.json().at("/error/code").asString()).isEqualTo("unauthorized");
        assertThat(listed(admin, key.get("id").asString())).isNull();
        assertThat(admin.delete("/api/v1/api-keys/" + key.get("id").asString()).status()).as("already revoked").isEqualTo(404);
        assertThat(admin.delete("/api/v1/api-keys/not-a-uuid").status()).isEqualTo(404);

        Api other = herald.newProject("revoke-other");
        JsonNode theirs = createKey(other, "theirs", "VIEWER");
        assertThat(admin.delete("/api/v1/api-keys/" + theirs.get("id").asString()).status()).as("another project's key").isEqualTo(404);
        assertThat(other.as(theirs.get("api_key").asString()).get("/api/v1/webhooks").status()).isEqualTo(200);
    }

    @Test
    void theLastClientAdminKeyCannotRevokeItselfButOneOfTwoCan() {
        Api admin = herald.newProject("last-admin");
        String selfId = admin.get("/api/v1/api-keys").json().get("data").get(0).get("id").asString();
        Api.Res refused = admin.delete("/api/v1/api-keys/" + selfId);
        assertThat(refused.status()).isEqualTo(409);
        assertThat(refused.json().at("/error/code").asString()).isEqualTo("last_admin_key");
        assertThat(admin.get("/api/v1/webhooks").status()).isEqualTo(200);

        JsonNode second = createKey(admin, "second admin", "CLIENT_ADMIN");
        assertThat(admin.delete("/api/v1/api-keys/" + selfId).status()).as("another CLIENT_ADMIN key remains").isEqualTo(204);
        assertThat(admin.get("/api/v1/webhooks").status()).isEqualTo(401);
        Api next = admin.as(second.get("api_key").asString());
        assertThat(next.delete("/api/v1/api-keys/" + second.get("id").asString()).status()).isEqualTo(409);
    }

    @Test
    void revokingAKeyEndsItsReviewSessions() throws Exception {
        Api admin = herald.newProject("review-revoke");
        JsonNode reviewer = createKey(admin, "Dana", "REVIEWER");
        String base = "http://127.0.0.1:" + herald.port();
        HttpResponse<String> signIn = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/review/sign-in"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("api_key=" + URLEncoder.encode(reviewer.get("api_key").asString(), StandardCharsets.UTF_8)))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(signIn.statusCode()).isEqualTo(303);
        String cookie = signIn.headers().firstValue("Set-Cookie").orElseThrow().split(";")[0];
        HttpRequest page = HttpRequest.newBuilder(URI.create(base + "/review")).header("Cookie", cookie).build();
        assertThat(HTTP.send(page, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);

        assertThat(admin.delete("/api/v1/api-keys/" + reviewer.get("id").asString()).status()).isEqualTo(204);
        HttpResponse<String> after = HTTP.send(page, HttpResponse.BodyHandlers.ofString());
        assertThat(after.statusCode()).isEqualTo(303);
        assertThat(after.headers().firstValue("Location").orElseThrow()).endsWith("/review/sign-in");
    }
}
