package dev.herald.webhooks;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.support.Api;
import dev.herald.support.Deliveries;
import dev.herald.support.Receiver;
import dev.herald.support.TestHerald;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The {@code auth} oneof on webhooks: each static method on the wire, write-only secrets, and the errors. */
class WebhookAuthTest {
    static Receiver receiver;
    static TestHerald herald;
    static Api api;

    @BeforeAll
    static void start() {
        receiver = new Receiver();
        herald = TestHerald.start();
        api = herald.newProject("webhook-auth");
    }

    @AfterAll
    static void stop() {
        herald.close();
        receiver.close();
    }

    private Receiver.Request deliverWith(String path, String auth) {
        Api.Res w = api.post("/api/v1/webhooks", "{\"url\":\"" + receiver.url(path) + "\",\"events\":[\"" + path.substring(1) + ".x\"],"
                + "\"headers\":{\"X-Tenant-Id\":\"t-1\"},\"auth\":" + auth + "}");
        assertThat(w.status()).as(w.toString()).isEqualTo(201);
        assertThat(Deliveries.publishAndAwait(api, path.substring(1) + ".x").get("status").asString()).isEqualTo("succeeded");
        return receiver.requests(path).get(0);
    }

    @Test
    void bearerTokenIsSentAsAnAuthorizationHeaderAndNeverShown() {
        Receiver.Request r = deliverWith("/bearer", "{\"bearer_token\":{\"token\":\"sk-live-123\"}}");
        assertThat(r.header("Authorization")).isEqualTo("Bearer sk-live-123");
        assertThat(r.header("X-Tenant-Id")).as("non-auth headers apply alongside").isEqualTo("t-1");
        Api.Res list = api.get("/api/v1/webhooks");
        assertThat(list.text()).doesNotContain("sk-live-123").contains("\"token_set\":true");
    }

    @Test
    void basicAuthIsSentAsRfc7617Credentials() {
        Receiver.Request r = deliverWith("/basic", "{\"basic_auth\":{\"username\":\"user\",\"password\":\"p\u00e4ss:word\"}}");
        assertThat(r.header("Authorization")).isEqualTo("Basic " + Base64.getEncoder().encodeToString("user:p\u00e4ss:word".getBytes(StandardCharsets.UTF_8)));
        assertThat(api.get("/api/v1/webhooks").text()).doesNotContain("ss:word").contains("\"password_set\":true");
    }

    @Test
    void staticHeadersAreSentAsGiven() {
        Receiver.Request r = deliverWith("/static", "{\"static_headers\":{\"headers\":{\"Authorization\":\"Token abc\",\"X-API-Key\":\"your-key\"}}}");
        assertThat(r.header("Authorization")).isEqualTo("Token abc");
        assertThat(r.header("X-API-Key")).isEqualTo("your-key");
        assertThat(api.get("/api/v1/webhooks").text()).doesNotContain("your-key").contains("\"header_names\":[\"Authorization\",\"X-API-Key\"]");
    }

    @Test
    void patchKeepsAnOmittedSecretReplacesOnANewMethodAndNullRemovesAuth() {
        Api.Res w = api.post("/api/v1/webhooks", "{\"url\":\"" + receiver.url("/patched") + "\",\"events\":[\"patched.x\"],"
                + "\"auth\":{\"basic_auth\":{\"username\":\"a\",\"password\":\"first\"}}}");
        String id = w.str("id");
        assertThat(api.patch("/api/v1/webhooks/" + id, "{\"auth\":{\"basic_auth\":{\"username\":\"b\"}}}").status()).isEqualTo(200);
        Deliveries.publishAndAwait(api, "patched.x");
        assertThat(receiver.requests("/patched").get(0).header("Authorization"))
                .isEqualTo("Basic " + Base64.getEncoder().encodeToString("b:first".getBytes(StandardCharsets.UTF_8)));
        Api.Res missing = api.patch("/api/v1/webhooks/" + id, "{\"auth\":{\"bearer_token\":{}}}");
        assertThat(missing.status()).as("a new method needs its secret").isEqualTo(400);
        assertThat(missing.json().at("/error/field").asString()).isEqualTo("auth.bearer_token.token");
        Api.Res none = api.patch("/api/v1/webhooks/" + id, "{\"auth\":null}");
        assertThat(none.json().get("auth").isNull()).isTrue();
        Deliveries.publishAndAwait(api, "patched.x");
        assertThat(receiver.requests("/patched").get(1).header("Authorization")).isNull();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '~', value = {
        "{\"bearer_token\":{\"token\":\"a\"},\"basic_auth\":{\"username\":\"u\",\"password\":\"p\"}}|auth.basic_auth|'auth.bearer_token' and 'auth.basic_auth'",
        "{}|auth|exactly one auth method",
        "{\"api_key\":{\"key\":\"x\"}}|auth.api_key|unknown field",
        "{\"bearer_token\":{\"token\":\"has space\"}}|auth.bearer_token.token|printable ASCII",
        "{\"bearer_token\":{\"token\":\"\"}}|auth.bearer_token.token|1-8192",
        "{\"basic_auth\":{\"username\":\"a:b\",\"password\":\"p\"}}|auth.basic_auth.username|no ':'",
        "{\"basic_auth\":{\"username\":\"a\"}}|auth.basic_auth.password|required",
        "{\"static_headers\":{\"headers\":{}}}|auth.static_headers.headers|at least one",
        "{\"static_headers\":{\"headers\":{\"X-Webhook-Event\":\"x\"}}}|auth.static_headers.headers.X-Webhook-Event|set by Herald",
        "{\"static_headers\":{\"headers\":{\"Host\":\"x\"}}}|auth.static_headers.headers.Host|transport",
        "{\"static_headers\":{\"headers\":{\"X-Tenant-Id\":\"x\"}}}|auth.static_headers.headers.X-Tenant-Id|also set in 'headers'",
        "{\"static_headers\":{\"headers\":{\"X-A\":\"a\\r\\nX-B: b\"}}}|auth.static_headers.headers.X-A|control character",
        "{\"oauth_client_credentials\":{\"client_id\":\"c\",\"client_secret\":\"s\"}}|auth.oauth_client_credentials.token_url|required",
        "{\"oauth_client_credentials\":{\"token_url\":\"ftp://auth.example.com/t\",\"client_id\":\"c\",\"client_secret\":\"s\"}}|auth.oauth_client_credentials.token_url|unsupported_scheme",
        "{\"oauth_client_credentials\":{\"token_url\":\"https://u:p@auth.example.com/t\",\"client_id\":\"c\",\"client_secret\":\"s\"}}|auth.oauth_client_credentials.token_url|userinfo",
        "{\"oauth_client_credentials\":{\"token_url\":\"https://auth.example.com/t\",\"client_secret\":\"s\"}}|auth.oauth_client_credentials.client_id|required",
        "{\"oauth_client_credentials\":{\"token_url\":\"https://auth.example.com/t\",\"client_id\":\"c\"}}|auth.oauth_client_credentials.client_secret|required",
        "{\"oauth_client_credentials\":{\"token_url\":\"https://auth.example.com/t\",\"client_id\":\"c\",\"client_secret\":\"s\",\"extra_params\":{\"grant_type\":\"password\"}}}|auth.oauth_client_credentials.extra_params.grant_type|Herald sets",
        "{\"oauth_client_credentials\":{\"token_url\":\"https://auth.example.com/t\",\"client_id\":\"c\",\"client_secret\":\"s\",\"scopes\":\"a \\\"b\\\"\"}}|auth.oauth_client_credentials.scopes|scope tokens",
        "\"bearer\"|auth|must be an object",
    })
    void invalidAuthIsA400NamingTheField(String auth, String field, String message) {
        Api.Res r = api.post("/api/v1/webhooks", "{\"url\":\"https://hooks.example.com/x\",\"events\":[\"*\"],\"headers\":{\"X-Tenant-Id\":\"t\"},\"auth\":" + auth + "}");
        assertThat(r.status()).as(r.toString()).isEqualTo(400);
        assertThat(r.json().at("/error/field").asString()).isEqualTo(field);
        assertThat(r.json().at("/error/message").asString()).contains(message);
    }

    @Test
    void aTokenUrlBreakingTheStrictPolicyIsRejectedAtWriteTime() {
        try (TestHerald strict = TestHerald.start(java.util.Map.of("SECURITY_OUTBOUND_ALLOW_HTTP", "false", "SECURITY_OUTBOUND_ALLOW_PRIVATE_NETWORKS", "false"))) {
            Api a = strict.newProject("strict");
            for (String url : new String[] {"http://auth.example.com/token", "https://169.254.169.254/token", "https://auth.internal/token", "https://2130706433/t"}) {
                Api.Res r = a.post("/api/v1/webhooks", "{\"url\":\"https://hooks.example.com/x\",\"events\":[\"*\"],"
                        + "\"auth\":{\"oauth_client_credentials\":{\"token_url\":\"" + url + "\",\"client_id\":\"c\",\"client_secret\":\"s\"}}}");
                assertThat(r.status()).as(url).isEqualTo(400);
                assertThat(r.json().at("/error/code").asString()).isEqualTo("url_rejected");
                assertThat(r.json().at("/error/field").asString()).isEqualTo("auth.oauth_client_credentials.token_url");
            }
        }
    }
}
