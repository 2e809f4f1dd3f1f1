package dev.herald.connections;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.support.Api;
import dev.herald.support.TestHerald;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.JsonNode;

/** {@code /api/v1/connections} under the default (strict) outbound policy. */
class ConnectionApiTest {
    /** The example connection of seed 000, byte for byte. */
    static final String SEED_EXAMPLE = """
            {
              "display_name": "Customer Email Delivery",
              "description": "Customer email delivery webhook for incident notifications...",
              "connection_details": {
                "email_webhook": {
                  "base_url": "https://api.example.com/customer-email",
                  "allowed_routes": [
                    "POST /"
                  ],
                  "bearer_token": {
                    "token": "sk-live-123"
                  },
                  "slack_connection_name": "connections/team-slack",
                  "slack_channel": "#customer-emails",
                  "timeout_seconds": 30
                }
              }
            }""";

    static TestHerald herald;

    @BeforeAll
    static void start() {
        herald = TestHerald.start(Map.of("SECURITY_OUTBOUND_ALLOW_HTTP", "false", "SECURITY_OUTBOUND_ALLOW_PRIVATE_NETWORKS", "false"));
    }

    @AfterAll
    static void stop() {
        herald.close();
    }

    @Test
    void theSeedExampleIsAcceptedVerbatimAndItsSecretIsNeverShownOrStoredInClear() {
        Api api = herald.newProject("seed");
        Api.Res r = api.post("/api/v1/connections", SEED_EXAMPLE);
        assertThat(r.status()).as(r.toString()).isEqualTo(201);
        JsonNode c = r.json();
        assertThat(c.get("name").asString()).isEqualTo("customer-email-delivery");
        assertThat(c.get("resource_name").asString()).isEqualTo("connections/customer-email-delivery");
        assertThat(c.get("type").asString()).isEqualTo("email_webhook");
        JsonNode e = c.at("/connection_details/email_webhook");
        assertThat(e.get("base_url").asString()).isEqualTo("https://api.example.com/customer-email");
        assertThat(e.get("allowed_routes").toString()).isEqualTo("[\"POST /\"]");
        assertThat(e.get("timeout_seconds").asInt()).isEqualTo(30);
        assertThat(e.get("max_response_size_bytes").asLong()).as("the seed's default").isEqualTo(10485760L);
        assertThat(e.get("slack_connection_name").asString()).isEqualTo("team-slack");
        assertThat(e.get("slack_channel").asString()).isEqualTo("#customer-emails");
        assertThat(e.get("webhook_signing_secret_set").asBoolean()).isFalse();
        assertThat(e.at("/bearer_token/token_set").asBoolean()).isTrue();
        for (Api.Res read : new Api.Res[] {r, api.get("/api/v1/connections"), api.get("/api/v1/connections/customer-email-delivery")}) {
            assertThat(read.status()).isIn(200, 201);
            assertThat(read.text()).doesNotContain("sk-live-123");
        }
        String stored = herald.herald().database().read(h -> h.createQuery("SELECT details_enc || details_view FROM connections").mapTo(String.class).one());
        assertThat(stored).doesNotContain("sk-live-123");
    }

    @Test
    void namesAreUniquePerProjectAndOtherProjectsCannotSeeThem() {
        Api api = herald.newProject("names");
        String body = "{\"name\":\"billing-api\",\"connection_details\":{\"http\":{\"base_url\":\"https://billing.example.com/v1\"}}}";
        assertThat(api.post("/api/v1/connections", body).status()).isEqualTo(201);
        Api.Res dup = api.post("/api/v1/connections", body);
        assertThat(dup.status()).isEqualTo(409);
        assertThat(dup.json().at("/error/field").asString()).isEqualTo("name");
        Api other = herald.newProject("other");
        assertThat(other.get("/api/v1/connections/billing-api").status()).isEqualTo(404);
        assertThat(other.get("/api/v1/connections").json().get("data").size()).isZero();
        assertThat(other.post("/api/v1/connections", body).status()).as("the same name in another project is fine").isEqualTo(201);
        assertThat(other.delete("/api/v1/connections/billing-api").status()).isEqualTo(204);
        assertThat(api.get("/api/v1/connections/billing-api").status()).isEqualTo(200);
        assertThat(api.post("/api/v1/connections", "{\"name\":\"connections/prefixed\",\"connection_details\":{\"http\":{\"base_url\":\"https://x.example.com\"}}}")
                .json().get("name").asString()).isEqualTo("prefixed");
    }

    @Test
    void onlyClientAdminsManageConnections() {
        Api admin = herald.newProject("roles");
        for (String role : new String[] {"VIEWER", "PUBLISHER"}) {
            Api other = admin.as(admin.post("/api/v1/api-keys", "{\"name\":\"k\",\"role\":\"" + role + "\"}").str("api_key"));
            assertThat(other.get("/api/v1/connections").status()).isEqualTo(403);
            assertThat(other.post("/api/v1/connections", SEED_EXAMPLE).status()).isEqualTo(403);
        }
    }

    @Test
    void patchChangesWhatIsGivenKeepsWriteOnlySecretsAndNeverRenames() {
        Api api = herald.newProject("patch");
        api.post("/api/v1/connections", SEED_EXAMPLE);
        Api.Res p = api.patch("/api/v1/connections/customer-email-delivery", "{\"description\":\"Owner: support\",\"connection_details\":"
                + "{\"email_webhook\":{\"base_url\":\"https://api.example.com/v2/customer-email\",\"bearer_token\":{},"
                + "\"webhook_signing_secret\":\"whsec-abc\",\"timeout_seconds\":12}}}");
        assertThat(p.status()).as(p.toString()).isEqualTo(200);
        assertThat(p.json().get("display_name").asString()).isEqualTo("Customer Email Delivery");
        assertThat(p.json().get("description").asString()).isEqualTo("Owner: support");
        JsonNode e = p.json().at("/connection_details/email_webhook");
        assertThat(e.get("timeout_seconds").asInt()).isEqualTo(12);
        assertThat(e.get("webhook_signing_secret_set").asBoolean()).isTrue();
        assertThat(e.get("slack_connection_name").isNull()).as("connection_details is replaced as a whole, secrets aside").isTrue();
        assertThat(p.text()).doesNotContain("whsec-abc");
        ConnectionService.Opened opened = openedDetails(api, "customer-email-delivery");
        ConnectionDetails.EmailWebhook d = (ConnectionDetails.EmailWebhook) opened.details();
        assertThat(d.auth()).isEqualTo(new dev.herald.outbound.Auth.BearerToken("sk-live-123"));
        assertThat(d.webhookSigningSecret()).isEqualTo("whsec-abc");

        Api.Res cleared = api.patch("/api/v1/connections/customer-email-delivery", "{\"connection_details\":{\"email_webhook\":"
                + "{\"base_url\":\"https://api.example.com/x\",\"bearer_token\":{},\"webhook_signing_secret\":null}}}");
        assertThat(cleared.json().at("/connection_details/email_webhook/webhook_signing_secret_set").asBoolean()).isFalse();

        Api.Res rename = api.patch("/api/v1/connections/customer-email-delivery", "{\"name\":\"other\"}");
        assertThat(rename.status()).isEqualTo(400);
        assertThat(rename.json().at("/error/field").asString()).isEqualTo("name");
        assertThat(api.patch("/api/v1/connections/nope", "{\"description\":\"x\"}").status()).isEqualTo(404);
    }

    private static ConnectionService.Opened openedDetails(Api api, String name) {
        String projectId = herald.herald().database().read(h -> h.createQuery("SELECT project_id FROM connections WHERE name = :n ORDER BY created_at DESC LIMIT 1")
                .bind("n", name).mapTo(String.class).one());
        return herald.herald().connections().open(projectId, name);
    }

    @Test
    void slackReferencesMustNameASlackConnectionAndBlockItsDeletion() {
        Api api = herald.newProject("slack-refs");
        assertThat(api.post("/api/v1/connections", "{\"name\":\"team-slack\",\"connection_details\":{\"slack\":"
                + "{\"webhook_url\":\"https://hooks.slack.com/services/T000/B000/XXXX\"}}}").status()).isEqualTo(201);
        assertThat(api.post("/api/v1/connections", SEED_EXAMPLE).status()).isEqualTo(201);
        Api.Res del = api.delete("/api/v1/connections/team-slack");
        assertThat(del.status()).isEqualTo(409);
        assertThat(del.json().at("/error/message").asString()).contains("customer-email-delivery");
        assertThat(api.get("/api/v1/connections/team-slack").text()).doesNotContain("XXXX").contains("\"webhook_url_set\":true");

        api.post("/api/v1/connections", "{\"name\":\"plain\",\"connection_details\":{\"http\":{\"base_url\":\"https://x.example.com\"}}}");
        Api.Res wrongType = api.post("/api/v1/connections", SEED_EXAMPLE.replace("Customer Email Delivery", "Second").replace("connections/team-slack", "plain"));
        assertThat(wrongType.status()).isEqualTo(400);
        assertThat(wrongType.json().at("/error/field").asString()).isEqualTo("connection_details.email_webhook.slack_connection_name");
        assertThat(api.delete("/api/v1/connections/customer-email-delivery").status()).isEqualTo(204);
        assertThat(api.delete("/api/v1/connections/team-slack").status()).isEqualTo(204);
        assertThat(api.delete("/api/v1/connections/team-slack").status()).isEqualTo(404);
    }

    static final String EMAIL = "{\"name\":\"e\",\"connection_details\":{\"email_webhook\":{\"base_url\":\"https://api.example.com/e\",%s}}}";

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '~', value = {
        "\"bearer_token\":{\"token\":\"a\"},\"basic_auth\":{\"username\":\"u\",\"password\":\"p\"}|connection_details.email_webhook.basic_auth|'connection_details.email_webhook.bearer_token' and 'connection_details.email_webhook.basic_auth'",
        "\"timeout_seconds\":30|connection_details.email_webhook|exactly one auth method",
        "\"bearer_token\":{\"token\":\"a\"},\"allowed_routes\":[\"GET /\"]|connection_details.email_webhook.allowed_routes|fixed to",
        "\"bearer_token\":{\"token\":\"a\"},\"timeout_seconds\":0|connection_details.email_webhook.timeout_seconds|between 1 and 60",
        "\"bearer_token\":{\"token\":\"a\"},\"max_response_size_bytes\":-1|connection_details.email_webhook.max_response_size_bytes|between 1 and",
        "\"bearer_token\":{\"token\":\"a\"},\"slack_channel\":\"#x\"|connection_details.email_webhook.slack_connection_name|set both or neither",
        "\"bearer_token\":{\"token\":\"a\"},\"slack_connection_name\":\"Bad Name\",\"slack_channel\":\"#x\"|connection_details.email_webhook.slack_connection_name|connection name",
        "\"bearer_token\":{\"token\":\"a\"},\"headers\":{\"Authorization\":\"x\"}|connection_details.email_webhook.headers.Authorization|use the auth settings",
        "\"bearer_token\":{\"token\":\"a\"},\"headers\":{\"X-Webhook-Signature\":\"x\"}|connection_details.email_webhook.headers.X-Webhook-Signature|set by Herald",
        "\"bearer_token\":{\"token\":\"a\"},\"smtp\":{}|connection_details.email_webhook.smtp|unknown field",
        "\"bearer_token\":{\"token\":\"a\"},\"webhook_signing_secret\":\"\"|connection_details.email_webhook.webhook_signing_secret|1-4096",
    })
    void invalidEmailWebhookDetailsAreA400NamingTheField(String fields, String field, String message) {
        Api api = herald.newProject("invalid");
        Api.Res r = api.post("/api/v1/connections", EMAIL.formatted(fields));
        assertThat(r.status()).as(r.toString()).isEqualTo(400);
        assertThat(r.json().at("/error/field").asString()).isEqualTo(field);
        assertThat(r.json().at("/error/message").asString()).contains(message);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '~', value = {
        "{\"connection_details\":{\"http\":{\"base_url\":\"https://x.example.com\"}}}|name|required",
        "{\"name\":\"-bad\",\"connection_details\":{\"http\":{\"base_url\":\"https://x.example.com\"}}}|name|connection name",
        "{\"name\":\"x\"}|connection_details|required",
        "{\"name\":\"x\",\"connection_details\":{}}|connection_details|exactly one connection type",
        "{\"name\":\"x\",\"connection_details\":{\"http\":{\"base_url\":\"https://x.example.com\"},\"slack\":{\"bot_token\":\"xoxb-12345678\"}}}|connection_details.slack|exactly one connection type",
        "{\"name\":\"x\",\"connection_details\":{\"ftp\":{}}}|connection_details.ftp|unknown field",
        "{\"name\":\"x\",\"connection_details\":{\"http\":{\"base_url\":\"http://x.example.com\"}}}|connection_details.http.base_url|https_required",
        "{\"name\":\"x\",\"connection_details\":{\"http\":{\"base_url\":\"https://10.0.0.5/api\"}}}|connection_details.http.base_url|non_public_address",
        "{\"name\":\"x\",\"connection_details\":{\"http\":{\"base_url\":\"https://metadata.internal/api\"}}}|connection_details.http.base_url|internal_hostname",
        "{\"name\":\"x\",\"connection_details\":{\"http\":{\"base_url\":\"https://x.example.com\",\"allowed_routes\":[\"TRACE /\"]}}}|connection_details.http.allowed_routes|not a route",
        "{\"name\":\"x\",\"connection_details\":{\"http\":{\"base_url\":\"https://x.example.com\",\"allowed_routes\":[]}}}|connection_details.http.allowed_routes|1-50",
        "{\"name\":\"x\",\"connection_details\":{\"slack\":{}}}|connection_details.slack|webhook_url",
        "{\"name\":\"x\",\"connection_details\":{\"slack\":{\"webhook_url\":\"https://127.0.0.1/hook\"}}}|connection_details.slack.webhook_url|non_public_address",
        "{\"name\":\"x\",\"connection_details\":{\"slack\":{\"webhook_url\":\"https://hooks.slack.com/a\",\"bot_token\":\"xoxb-12345678\"}}}|connection_details.slack.bot_token|not both",
        "{\"name\":\"x\",\"display_name\":\"x\",\"connection_details\":{\"http\":{\"base_url\":\"https://x.example.com\",\"oauth_client_credentials\":{\"token_url\":\"https://[::1]/t\",\"client_id\":\"c\",\"client_secret\":\"s\"}}}}|connection_details.http.oauth_client_credentials.token_url|non_public_address",
    })
    void invalidConnectionsAreA400NamingTheField(String body, String field, String message) {
        Api api = herald.newProject("invalid2");
        Api.Res r = api.post("/api/v1/connections", body);
        assertThat(r.status()).as(r.toString()).isEqualTo(400);
        assertThat(r.json().at("/error/field").asString()).isEqualTo(field);
        assertThat(r.json().at("/error/message").asString()).contains(message);
    }
}
