package dev.herald.webhooks;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.support.Api;
import dev.herald.support.TestDatabases;
import dev.herald.support.TestHerald;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.JsonNode;

/** The webhook subscription API: fields, defaults, validation, secrets shown once and sealed at rest. */
class WebhookApiTest {
    static TestHerald herald;
    static Api api;

    @BeforeAll
    static void start() {
        // Nothing is delivered here, so the outbound policy keeps its strict defaults.
        herald = TestHerald.start(Map.of("SECURITY_OUTBOUND_ALLOW_HTTP", "false", "SECURITY_OUTBOUND_ALLOW_PRIVATE_NETWORKS", "false"));
        api = herald.newProject("webhooks");
    }

    @AfterAll
    static void stop() {
        herald.close();
    }

    @Test
    void createAppliesTheDocumentedDefaultsAndShowsTheSecretOnce() {
        Api.Res r = api.post("/api/v1/webhooks", "{\"url\":\"https://hooks.example.com/wipe\",\"events\":[\"certificate.issued\"]}");
        assertThat(r.status()).isEqualTo(201);
        JsonNode w = r.json();
        assertThat(w.get("secret").asString()).matches("whsec_[A-Za-z0-9+/]{43}=");
        assertThat(w.get("enabled").asBoolean()).isTrue();
        assertThat(w.get("timeout_seconds").asInt()).isEqualTo(10);
        assertThat(w.get("retry_schedule").toString()).isEqualTo("[\"1s\",\"5s\",\"30s\",\"5m\",\"30m\",\"2h\"]");
        assertThat(w.at("/signature/scheme").asString()).isEqualTo("sha256-hex");
        assertThat(w.at("/signature/header").asString()).isEqualTo("X-Webhook-Signature");
        assertThat(w.get("created_at").asString()).isNotEmpty();

        String id = w.get("id").asString();
        Api.Res again = api.get("/api/v1/webhooks/" + id);
        assertThat(again.json().has("secret")).isFalse();
        assertThat(again.text()).doesNotContain(w.get("secret").asString());
        assertThat(api.get("/api/v1/webhooks").text()).doesNotContain(w.get("secret").asString());
    }

    @Test
    void secretsAreEncryptedAtRestAndTheKeyFileIsOwnerOnly() throws Exception {
        String secret = api.post("/api/v1/webhooks", "{\"url\":\"https://hooks.example.com/a\",\"events\":[\"*\"]}").str("secret");
        List<String> stored = herald.herald().database().read(h -> h.createQuery("SELECT secret_enc FROM webhooks").mapTo(String.class).list());
        assertThat(stored).isNotEmpty().allSatisfy(v -> assertThat(v).startsWith("v1.").doesNotContain(secret).doesNotContain(secret.substring(6)));
        if (!TestDatabases.postgres()) {
            byte[] raw = Files.readAllBytes(herald.dataDir().resolve("herald.db"));
            assertThat(new String(raw, java.nio.charset.StandardCharsets.ISO_8859_1)).doesNotContain(secret);
        }
        Path key = herald.dataDir().resolve("master.key");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(key))).isEqualTo("rw-------");
    }

    @Test
    void allFieldsRoundTripAndPatchChangesOnlyWhatIsGiven() {
        String body = "{\"url\":\"https://hooks.example.com/x\",\"events\":[\"ticket.*\",\"survey.completed\"],\"description\":\"CRM\","
                + "\"headers\":{\"X-Team\":\"blue\"},\"enabled\":true,\"retry_schedule\":[\"2s\",\"1m\"],\"timeout_seconds\":5,"
                + "\"signature\":{\"scheme\":\"sha256-hex\",\"header\":\"X-Wipe-Signature\"}}";
        JsonNode w = api.post("/api/v1/webhooks", body).json();
        String id = w.get("id").asString();
        assertThat(w.get("events").toString()).isEqualTo("[\"ticket.*\",\"survey.completed\"]");
        assertThat(w.at("/headers/X-Team").asString()).isEqualTo("blue");
        assertThat(w.at("/signature/header").asString()).isEqualTo("X-Wipe-Signature");
        assertThat(w.get("retry_schedule").toString()).isEqualTo("[\"2s\",\"1m\"]");

        JsonNode patched = api.patch("/api/v1/webhooks/" + id, "{\"description\":\"CRM v2\",\"timeout_seconds\":20}").json();
        assertThat(patched.get("description").asString()).isEqualTo("CRM v2");
        assertThat(patched.get("timeout_seconds").asInt()).isEqualTo(20);
        assertThat(patched.get("url").asString()).isEqualTo("https://hooks.example.com/x");
        assertThat(patched.at("/headers/X-Team").asString()).isEqualTo("blue");

        JsonNode disabled = api.patch("/api/v1/webhooks/" + id, "{\"enabled\":false}").json();
        assertThat(disabled.get("enabled").asBoolean()).isFalse();
        assertThat(disabled.get("disabled_reason").asString()).isEqualTo("disabled by user");

        assertThat(api.delete("/api/v1/webhooks/" + id).status()).isEqualTo(204);
        assertThat(api.get("/api/v1/webhooks/" + id).status()).isEqualTo(404);
        assertThat(api.delete("/api/v1/webhooks/" + id).status()).isEqualTo(404);
    }

    @ParameterizedTest(name = "{0} -> 400 on {1}")
    @CsvSource(delimiter = '|', value = {
        "{\"events\":[\"*\"]}|url",
        "{\"url\":\"http://hooks.example.com/x\",\"events\":[\"*\"]}|url",
        "{\"url\":\"ftp://hooks.example.com/x\",\"events\":[\"*\"]}|url",
        "{\"url\":\"https://user:pw@hooks.example.com/x\",\"events\":[\"*\"]}|url",
        "{\"url\":\"https://localhost/x\",\"events\":[\"*\"]}|url",
        "{\"url\":\"https://metadata.internal/x\",\"events\":[\"*\"]}|url",
        "{\"url\":\"https://169.254.169.254/latest\",\"events\":[\"*\"]}|url",
        "{\"url\":\"https://hooks.example.com/x\"}|events",
        "{\"url\":\"https://hooks.example.com/x\",\"events\":[]}|events",
        "{\"url\":\"https://hooks.example.com/x\",\"events\":[\"bad type!\"]}|events",
        "{\"url\":\"https://hooks.example.com/x\",\"events\":\"*\"}|events",
        "{\"url\":\"https://hooks.example.com/x\",\"events\":[\"*\"],\"timeout_seconds\":0}|timeout_seconds",
        "{\"url\":\"https://hooks.example.com/x\",\"events\":[\"*\"],\"timeout_seconds\":61}|timeout_seconds",
        "{\"url\":\"https://hooks.example.com/x\",\"events\":[\"*\"],\"retry_schedule\":[\"5 minutes\"]}|retry_schedule",
        "{\"url\":\"https://hooks.example.com/x\",\"events\":[\"*\"],\"retry_schedule\":[\"0s\"]}|retry_schedule",
        "{\"url\":\"https://hooks.example.com/x\",\"events\":[\"*\"],\"headers\":{\"X-Webhook-Event\":\"spoof\"}}|headers.X-Webhook-Event",
        "{\"url\":\"https://hooks.example.com/x\",\"events\":[\"*\"],\"headers\":{\"Content-Type\":\"text/plain\"}}|headers.Content-Type",
        "{\"url\":\"https://hooks.example.com/x\",\"events\":[\"*\"],\"headers\":{\"Authorization\":\"Bearer x\"}}|headers.Authorization",
        "{\"url\":\"https://hooks.example.com/x\",\"events\":[\"*\"],\"headers\":{\"X-A\":\"a\\r\\nX-B: b\"}}|headers.X-A",
        "{\"url\":\"https://hooks.example.com/x\",\"events\":[\"*\"],\"headers\":{\"Bad Name\":\"a\"}}|headers.Bad Name",
        "{\"url\":\"https://hooks.example.com/x\",\"events\":[\"*\"],\"signature\":{\"scheme\":\"md5\"}}|signature.scheme",
        "{\"url\":\"https://hooks.example.com/x\",\"events\":[\"*\"],\"signature\":{\"scheme\":\"standard-webhooks\",\"header\":\"X-Sig\"}}|signature.header",
        "{\"url\":\"https://hooks.example.com/x\",\"events\":[\"*\"],\"signature\":{\"header\":\"X-Webhook-Delivery\"}}|signature.header",
        "{\"url\":\"https://hooks.example.com/x\",\"events\":[\"*\"],\"enabled\":\"yes\"}|enabled",
        "{\"url\":\"https://hooks.example.com/x\",\"events\":[\"*\"],\"secret\":\"mine\"}|secret",
    })
    void invalidSubscriptionsAreRejectedNamingTheField(String body, String field) {
        Api.Res r = api.post("/api/v1/webhooks", body);
        assertThat(r.status()).as(r.toString()).isEqualTo(400);
        assertThat(r.json().at("/error/field").asString()).isEqualTo(field);
        assertThat(r.json().at("/error/message").asString()).isNotBlank();
    }

    @Test
    void customHeadersCannotCollideWithTheConfiguredSignatureHeader() {
        Api.Res r = api.post("/api/v1/webhooks", "{\"url\":\"https://hooks.example.com/x\",\"events\":[\"*\"],"
                + "\"signature\":{\"header\":\"X-Wipe-Signature\"},\"headers\":{\"x-wipe-signature\":\"forged\"}}");
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.json().at("/error/field").asString()).isEqualTo("headers.x-wipe-signature");
    }

    @Test
    void rotationReturnsANewSecretOnceAndReportsTheGraceWindow() {
        JsonNode w = api.post("/api/v1/webhooks", "{\"url\":\"https://hooks.example.com/r\",\"events\":[\"*\"]}").json();
        String id = w.get("id").asString();
        Api.Res rotated = api.post("/api/v1/webhooks/" + id + "/rotate-secret", "{\"grace_period\":\"1h\"}");
        assertThat(rotated.status()).isEqualTo(200);
        assertThat(rotated.str("secret")).startsWith("whsec_").isNotEqualTo(w.get("secret").asString());
        assertThat(rotated.json().at("/signature/kid").asString()).isNotEqualTo(w.at("/signature/kid").asString());
        assertThat(rotated.json().at("/secret_rotation/previous_kid").asString()).isEqualTo(w.at("/signature/kid").asString());
        assertThat(api.get("/api/v1/webhooks/" + id).json().has("secret")).isFalse();

        Api.Res immediate = api.post("/api/v1/webhooks/" + id + "/rotate-secret", "{\"grace_period\":\"0s\"}");
        assertThat(immediate.json().get("secret_rotation").isNull()).isTrue();
        Api.Res bad = api.post("/api/v1/webhooks/" + id + "/rotate-secret", "{\"grace_period\":\"30d\"}");
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.json().at("/error/field").asString()).isEqualTo("grace_period");
    }

    @Test
    void plainHttpIsRefusedNamingTheRuleUnlessAllowed() {
        Api.Res r = api.post("/api/v1/webhooks", "{\"url\":\"http://hooks.example.com/x\",\"events\":[\"*\"]}");
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.json().at("/error/code").asString()).isEqualTo("url_rejected");
        assertThat(r.json().at("/error/message").asString()).contains("https_required");
        try (TestHerald relaxed = TestHerald.start(Map.of("SECURITY_OUTBOUND_ALLOW_HTTP", "true"))) {
            Api a = relaxed.newProject("relaxed");
            assertThat(a.post("/api/v1/webhooks", "{\"url\":\"http://hooks.example.com/x\",\"events\":[\"*\"]}").status()).isEqualTo(201);
        }
    }
}
