package dev.herald.inbound;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.support.Api;
import dev.herald.support.CapturedLogs;
import dev.herald.support.TestHerald;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.JsonNode;

/**
 * {@code /api/v1/inbound-sources}: credentials are checked per provider (a 400 naming the field),
 * written once and never returned (a generated secret is shown once), sealed at rest; CLIENT_ADMIN
 * manages sources, VIEWER reads them; another project's source does not exist.
 */
class InboundSourcesApiTest {
    static final String SG_KEY = SendGridCallbackTest.PUBLIC_KEY;
    TestHerald herald;
    Api admin;

    @BeforeEach
    void start() {
        herald = TestHerald.start();
        admin = herald.newProject("sources");
    }

    @AfterEach
    void stop() {
        herald.close();
    }

    @Test
    void credentialsAreNeverReturnedOrStoredInClear() {
        JsonNode created = Callbacks.source(admin, "{\"name\":\"whatsapp\",\"provider\":\"meta_whatsapp\",\"credentials\":"
                + "{\"app_secret\":\"s3cr3t-app-secret-value\",\"verify_token\":\"tok-visible-nowhere\"}}");
        String id = created.get("id").asString();
        assertThat(created.has("credentials")).isFalse();
        assertThat(created.get("callback_url").asString()).as("HERALD_PUBLIC_URL defaults to the bound port").endsWith(":" + herald.port() + "/inbound/" + id);
        for (Api.Res r : new Api.Res[] {admin.get("/api/v1/inbound-sources"), admin.get("/api/v1/inbound-sources/" + id),
                admin.patch("/api/v1/inbound-sources/" + id, "{\"name\":\"renamed\"}")}) {
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.text()).doesNotContain("s3cr3t-app-secret-value").doesNotContain("tok-visible-nowhere");
        }
        String stored = herald.herald().database().read(h -> h.createQuery("SELECT credentials_enc FROM inbound_sources WHERE id = :id")
                .bind("id", id).mapTo(String.class).one());
        assertThat(stored).doesNotContain("s3cr3t").doesNotContain("tok-visible");
        assertThat(admin.get("/api/v1/inbound-sources/" + id).json().get("name").asString()).isEqualTo("renamed");
    }

    @Test
    void theEmailStatusSecretIsShownOnceAndCannotBeSet() {
        JsonNode created = Callbacks.source(admin, "{\"name\":\"status\",\"provider\":\"email_status\"}");
        String id = created.get("id").asString();
        assertThat(created.get("credentials").get("secret").asString()).startsWith("whsec_");
        assertThat(admin.get("/api/v1/inbound-sources/" + id).json().has("credentials")).isFalse();
        Api.Res set = admin.patch("/api/v1/inbound-sources/" + id, "{\"credentials\":{}}");
        assertThat(set.status()).isEqualTo(400);
        assertThat(set.json().get("error").get("field").asString()).isEqualTo("credentials");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "{\"name\":\"x\"}                                                                  | provider",
            "{\"name\":\"x\",\"provider\":\"pigeon\"}                                          | provider",
            "{\"provider\":\"sendgrid\",\"credentials\":{\"verification_key\":\"" + SG_KEY + "\"}} | name",
            "{\"name\":\"x\",\"provider\":\"sendgrid\"}                                        | credentials",
            "{\"name\":\"x\",\"provider\":\"sendgrid\",\"credentials\":{}}                     | credentials.verification_key",
            "{\"name\":\"x\",\"provider\":\"sendgrid\",\"credentials\":{\"verification_key\":\"bm90IGEga2V5\"}} | credentials.verification_key",
            "{\"name\":\"x\",\"provider\":\"sendgrid\",\"credentials\":{\"verification_key\":\"" + SG_KEY + "\",\"extra\":1}} | credentials.extra",
            "{\"name\":\"x\",\"provider\":\"meta_whatsapp\",\"credentials\":{\"app_secret\":\"a\"}} | credentials.verify_token",
            "{\"name\":\"x\",\"provider\":\"email_status\",\"credentials\":{\"secret\":\"mine\"}} | credentials.secret",
            "{\"name\":\"x\",\"provider\":\"email_status\",\"options\":{\"a\":1}}              | options.a",
            "{\"name\":\"\",\"provider\":\"email_status\"}                                     | name",
            "{\"name\":\"x\",\"provider\":\"email_status\",\"colour\":\"red\"}                 | colour"})
    void aMissingOrMalformedFieldIsA400NamingIt(String body, String field) {
        Api.Res r = admin.post("/api/v1/inbound-sources", body);
        assertThat(r.status()).as(r.toString()).isEqualTo(400);
        assertThat(r.json().get("error").get("field").asString()).isEqualTo(field);
    }

    @Test
    void namesAreUniqueInAProjectTheProviderCannotChangeAndDeleteRemovesTheSource() {
        String id = Callbacks.source(admin, "{\"name\":\"one\",\"provider\":\"email_status\"}").get("id").asString();
        assertThat(admin.post("/api/v1/inbound-sources", "{\"name\":\"one\",\"provider\":\"email_status\"}").status()).isEqualTo(409);
        assertThat(admin.patch("/api/v1/inbound-sources/" + id, "{\"provider\":\"sendgrid\"}").status()).isEqualTo(400);
        assertThat(admin.delete("/api/v1/inbound-sources/" + id).status()).isEqualTo(204);
        assertThat(admin.get("/api/v1/inbound-sources/" + id).status()).isEqualTo(404);
        assertThat(Callbacks.post(herald, id, "{}".getBytes()).status()).as("its callback URL is gone too").isEqualTo(404);
    }

    @Test
    void viewersReadAndOnlyAdminsChangeAndOtherProjectsSeeNothing() {
        String id = Callbacks.source(admin, "{\"name\":\"one\",\"provider\":\"email_status\"}").get("id").asString();
        Api viewer = admin.as(admin.post("/api/v1/api-keys", "{\"name\":\"v\",\"role\":\"VIEWER\"}").str("api_key"));
        assertThat(viewer.get("/api/v1/inbound-sources/" + id).status()).isEqualTo(200);
        assertThat(viewer.get("/api/v1/inbound-sources/" + id + "/requests").status()).isEqualTo(200);
        assertThat(viewer.post("/api/v1/inbound-sources", "{\"name\":\"two\",\"provider\":\"email_status\"}").status()).isEqualTo(403);
        assertThat(viewer.delete("/api/v1/inbound-sources/" + id).status()).isEqualTo(403);
        Api other = herald.newProject("other");
        assertThat(other.get("/api/v1/inbound-sources/" + id).status()).isEqualTo(404);
        assertThat(other.get("/api/v1/inbound-sources/" + id + "/requests").status()).isEqualTo(404);
        assertThat(other.get("/api/v1/inbound-sources").json().get("data")).isEmpty();
    }

    @Test
    void credentialsNeverReachTheLogs() {
        try (CapturedLogs logs = CapturedLogs.start()) {
            String id = Callbacks.source(admin, "{\"name\":\"whatsapp\",\"provider\":\"meta_whatsapp\",\"credentials\":"
                    + "{\"app_secret\":\"logged-never-secret\",\"verify_token\":\"logged-never-token\"}}").get("id").asString();
            Callbacks.post(herald, id, "{}".getBytes(), "X-Hub-Signature-256", "sha256=00");
            Callbacks.get(herald, "/inbound/" + id + "?hub.mode=subscribe&hub.challenge=1&hub.verify_token=wrong");
            String text = String.join("\n", logs.lines().stream().map(CapturedLogs.Line::text).toList());
            assertThat(text).contains(id).doesNotContain("logged-never-secret").doesNotContain("logged-never-token");
        }
    }
}
