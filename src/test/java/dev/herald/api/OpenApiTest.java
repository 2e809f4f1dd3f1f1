package dev.herald.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.support.Api;
import dev.herald.support.OpenApiContract;
import dev.herald.support.TestHerald;
import io.swagger.parser.OpenAPIParser;
import io.swagger.v3.parser.core.models.ParseOptions;
import io.swagger.v3.parser.core.models.SwaggerParseResult;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The API contract (src/main/resources/openapi/openapi.json): a valid OpenAPI 3.1 document, naming every
 * route Herald registers and nothing else, served without a key with its rendered reference. That every
 * answer matches it is checked by every test that uses {@link Api}.
 */
class OpenApiTest {
    static TestHerald herald;

    @BeforeAll
    static void start() {
        herald = TestHerald.start();
    }

    @AfterAll
    static void stop() {
        herald.close();
    }

    private static String documentText() throws IOException {
        try (InputStream in = OpenApiTest.class.getClassLoader().getResourceAsStream("openapi/openapi.json")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void theDocumentIsValidOpenApi31ForARealValidator() throws IOException {
        ParseOptions options = new ParseOptions();
        options.setResolve(true);
        options.setValidateInternalRefs(true);
        SwaggerParseResult result = new OpenAPIParser().readContents(documentText(), null, options);
        assertThat(result.getMessages()).as("swagger-parser messages").isEmpty();
        assertThat(result.getOpenAPI()).isNotNull();
        assertThat(result.getOpenAPI().getOpenapi()).isEqualTo("3.1.0");
        assertThat(result.getOpenAPI().getPaths()).isNotEmpty();
        // The validator is real: a broken copy (an operation without responses, a dangling reference) is reported.
        String broken = documentText().replaceFirst("\"responses\": \\{", "\"responsez\": {")
                .replace("#/components/schemas/Webhook\"", "#/components/schemas/NoSuchSchema\"");
        assertThat(new OpenAPIParser().readContents(broken, null, options).getMessages()).isNotEmpty();
    }

    @Test
    void everyRouteHeraldRegistersIsInTheDocumentWithItsMethodAndNothingElseIs() {
        TreeSet<String> registered = new TreeSet<>();
        for (String route : herald.herald().routes()) {
            String path = route.substring(route.indexOf(' ') + 1);
            if (OpenApiContract.checked(path)) registered.add(route);
        }
        // The contract covers the API, its callbacks, attachments and the operational endpoints: check the list is real.
        assertThat(registered).contains("GET /healthz", "GET /metrics", "POST /api/v1/events", "POST /inbound/{id}", "GET /v1/attachments/{id}",
                "GET /v1/messages/{message_id}/attachments/{attachment_id}/url", "GET /api/v1/openapi.json");
        TreeSet<String> documented = new TreeSet<>(OpenApiContract.get().operations());
        TreeSet<String> missing = new TreeSet<>(registered);
        missing.removeAll(documented);
        assertThat(missing).as("routes Herald serves that the OpenAPI document does not describe").isEmpty();
        TreeSet<String> stale = new TreeSet<>(documented);
        stale.removeAll(registered);
        assertThat(stale).as("operations in the OpenAPI document that Herald does not serve").isEmpty();
    }

    @Test
    void everyOperationNamesItsRolesOrSaysItIsPublic() {
        List<String> wrong = new ArrayList<>();
        OpenApiContract.DOCUMENT.path("paths").properties().forEach(p -> p.getValue().properties().forEach(m -> {
            JsonNode op = m.getValue();
            boolean isPublic = op.has("security") && op.get("security").isEmpty();
            String text = op.path("description").asString("");
            if (isPublic ? !text.startsWith("No API key.") : !op.path("x-herald-roles").isArray() || !text.startsWith("Roles: ")) {
                wrong.add(m.getKey() + " " + p.getKey());
            }
            for (String status : List.of("400", "401", "503")) {
                if (!isPublic && !op.path("responses").has(status)) wrong.add(m.getKey() + " " + p.getKey() + " lacks " + status);
            }
        }));
        assertThat(wrong).isEmpty();
    }

    @Test
    void theDocumentIsServedWithoutAKeyAsItIsInTheSources() throws IOException {
        Api anonymous = new Api(herald.port(), null);
        Api.Res r = anonymous.get("/api/v1/openapi.json");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("Content-Type")).startsWith("application/json");
        assertThat(r.text()).isEqualTo(documentText());
        // A key does not hurt, and every other /api route still needs one.
        Api admin = herald.newProject("openapi");
        assertThat(admin.get("/api/v1/openapi.json").status()).isEqualTo(200);
        assertThat(anonymous.get("/api/v1/webhooks").status()).isEqualTo(401);
    }

    @Test
    void theReferencePageIsSwaggerUiFromHeraldItselfUnderAStrictPolicy() {
        Api anonymous = new Api(herald.port(), null);
        Api.Res page = anonymous.get("/api/docs");
        assertThat(page.status()).isEqualTo(200);
        assertThat(page.header("Content-Type")).startsWith("text/html");
        String csp = page.header("Content-Security-Policy");
        assertThat(csp).contains("default-src 'none'", "script-src 'self'", "style-src 'self'", "connect-src 'self'", "frame-ancestors 'none'")
                .doesNotContain("unsafe-inline", "unsafe-eval", "http:", "https:");
        assertThat(page.header("X-Content-Type-Options")).isEqualTo("nosniff");
        // Every script and stylesheet the page loads is Herald's own path, and each is served.
        Matcher m = Pattern.compile("(?:src|href)=\"([^\"]+)\"").matcher(page.text());
        List<String> assets = new ArrayList<>();
        while (m.find()) assets.add(m.group(1));
        assertThat(assets).contains("/api/docs/swagger-ui-bundle.js", "/api/docs/swagger-ui.css", "/api/docs/docs.js");
        for (String a : assets) {
            if (a.startsWith("/api/v1/")) continue;
            assertThat(a).startsWith("/api/docs/");
            Api.Res asset = anonymous.get(a);
            assertThat(asset.status()).as(a).isEqualTo(200);
            assertThat(asset.text()).as(a).isNotEmpty();
            assertThat(asset.header("X-Content-Type-Options")).isEqualTo("nosniff");
        }
        assertThat(anonymous.get("/api/docs/docs.js").text()).contains("/api/v1/openapi.json", "validatorUrl: null");
        assertThat(anonymous.get("/api/docs/swagger-ui-bundle.js").header("Content-Type")).startsWith("text/javascript");
        // Nothing else of the webjar (or the classpath) is reachable through the page's path.
        for (String other : List.of("/api/docs/index.html", "/api/docs/swagger-initializer.js", "/api/docs/..%2Fopenapi.json", "/api/docs/pom.properties")) {
            assertThat(anonymous.get(other).status()).as(other).isIn(400, 404);
        }
    }

    /** The inbound-mail routes other tests reach with their own clients: their answers are held to the document here. */
    @Test
    void theMailRoutesAnswerAsDocumented() throws Exception {
        Api admin = herald.newProject("openapi-mail");
        OpenApiContract contract = OpenApiContract.get();
        String domain = admin.post("/api/v1/mail-domains", "{\"domain\":\"openapi.example.test\"}").str("id");
        assertThat(admin.delete("/api/v1/mail-domains/" + domain).status()).isEqualTo(204);
        String endpoint = admin.post("/api/v1/endpoints", "{\"name\":\"e\",\"url\":\"http://127.0.0.1:9/mail\"}").str("id");
        assertThat(admin.patch("/api/v1/endpoints/" + endpoint, "{\"timeout_seconds\":5,\"headers\":{\"X-Tenant\":\"a\"}}").status()).isEqualTo(200);
        assertThat(admin.post("/api/v1/routes", "{\"name\":\"r\",\"endpoint_ids\":[\"" + endpoint + "\"],\"enabled\":false}").status()).isEqualTo(201);
        assertThat(admin.get("/api/v1/routes").json().path("data").size()).isEqualTo(1);

        String raw = "From: a@sender.test\r\nTo: b@openapi.example.test\r\nSubject: contract\r\nMessage-ID: <contract@sender.test>\r\n"
                + "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nhello\r\n"
                + "--b\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=a.bin\r\n\r\nbytes\r\n--b--\r\n";
        HttpClient http = HttpClient.newHttpClient();
        String base = "http://127.0.0.1:" + herald.port();
        HttpResponse<String> stored = http.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/messages?rcpt_to=b@openapi.example.test"))
                .header("Authorization", "Bearer " + admin.key()).header("Content-Type", "message/rfc822")
                .POST(HttpRequest.BodyPublishers.ofString(raw)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(stored.statusCode()).as(stored.body()).isEqualTo(202);
        contract.assertConforms("POST", "/api/v1/messages", stored.statusCode(), stored.headers().firstValue("content-type").orElse(null), stored.body());

        String id = dev.herald.util.Json.parse(stored.body()).path("id").asString();
        String attachment = admin.get("/api/v1/messages/" + id).json().at("/document/body/attachments/0/id").asString();
        String url = admin.get("/v1/messages/%3Ccontract%40sender.test%3E/attachments/" + attachment + "/url").str("url");
        String path = URI.create(url).getRawPath() + "?" + URI.create(url).getRawQuery();
        HttpResponse<String> bytes = http.send(HttpRequest.newBuilder(URI.create(base + path)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(bytes.statusCode()).isEqualTo(200);
        assertThat(bytes.body()).isEqualTo("bytes");
        contract.assertConforms("GET", path, bytes.statusCode(), bytes.headers().firstValue("content-type").orElse(null), bytes.body());
        HttpResponse<String> altered = http.send(HttpRequest.newBuilder(URI.create(base + path + "0")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(altered.statusCode()).isEqualTo(403);
        contract.assertConforms("GET", path + "0", altered.statusCode(), altered.headers().firstValue("content-type").orElse(null), altered.body());
    }

    @Test
    void theCheckerRefusesWhatTheDocumentDoesNotSay() {
        OpenApiContract c = OpenApiContract.get();
        String webhook = "{\"id\":\"01a20756-bdc8-7f49-b7da-ceafe3fd43d2\"}";
        assertThat(c.check("GET", "/api/v1/webhooks/01a20756-bdc8-7f49-b7da-ceafe3fd43d2", 200, "application/json", webhook))
                .contains("does not match", "required");
        assertThat(c.check("GET", "/api/v1/webhooks", 201, "application/json", "{\"data\":[]}")).contains("status 201 is not documented");
        assertThat(c.check("GET", "/api/v1/no-such-thing", 200, "application/json", "{}")).contains("has no operation GET");
        assertThat(c.check("GET", "/api/v1/webhooks?limit=1", 200, "application/json", "{\"data\":[]}")).isNull();
        assertThat(c.check("GET", "/api/v1/no-such-thing", 404, "application/json",
                "{\"error\":{\"code\":\"not_found\",\"message\":\"no such route\"}}")).isNull();
        assertThat(c.check("DELETE", "/api/v1/webhooks/x", 204, null, "")).isNull();
        assertThat(c.check("DELETE", "/api/v1/webhooks/x", 404, "application/json", "{\"error\":{\"code\":\"not_found\"}}"))
                .contains("message");
        assertThat(c.check("POST", "/api/v1/dead-letters/replay", 202, "application/json", "{\"replayed\":1}")).isNull();
        // A request body Herald accepted must be one the document allows; a refused one may be anything.
        assertThat(c.checkAccepted("POST", "/api/v1/api-keys", 201, "{\"name\":\"ci\",\"role\":\"VIEWER\"}")).isNull();
        assertThat(c.checkAccepted("POST", "/api/v1/api-keys", 201, "{\"name\":\"ci\",\"role\":\"VIEWER\",\"extra\":1}"))
                .contains("request body Herald accepted does not match");
        assertThat(c.checkAccepted("POST", "/api/v1/api-keys", 400, "{\"nope\":1}")).isNull();
        // Pages are not the API: not held to it.
        assertThat(c.check("GET", "/review/drafts/x", 200, "text/html", "<html>")).isNull();
    }
}
