package dev.herald;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.support.Api;
import dev.herald.support.HeraldProcess;
import dev.herald.support.TestHerald;
import dev.herald.util.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.time.Instant;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** {@code ./herald admin ...} as an operator runs it: real processes, beside a running server on the same data. */
class AdminCommandsTest {
    Path dir;
    Map<String, String> env;
    HeraldProcess server;

    @BeforeEach
    void setUp() throws Exception {
        dir = Files.createTempDirectory("herald-admin");
        env = new HashMap<>();
        env.put("HERALD_DATA_DIR", dir.resolve("data").toString());
    }

    @AfterEach
    void tearDown() {
        if (server != null) server.close();
        TestHerald.deleteTree(dir);
    }

    private JsonNode admin(String... args) {
        String[] full = new String[args.length + 1];
        full[0] = "admin";
        System.arraycopy(args, 0, full, 1, args.length);
        HeraldProcess.Result r = HeraldProcess.exec(env, full);
        assertThat(r.exit()).as("herald admin %s: %s", String.join(" ", args), r.err()).isZero();
        return Json.parse(r.out());
    }

    @Test
    void adminCommandsListProjectsAndCreateListAndRevokeKeysBesideARunningServer() {
        server = HeraldProcess.serve(env, dir.resolve("server.log"), 0);
        JsonNode project = admin("create-project", "acme");
        String projectId = project.get("project_id").asString();
        Api owner = new Api(server.port(), project.get("api_key").asString());

        JsonNode projects = admin("list-projects");
        assertThat(projects.isArray()).isTrue();
        assertThat(projects).anySatisfy(p -> {
            assertThat(p.get("id").asString()).isEqualTo(projectId);
            assertThat(p.get("name").asString()).isEqualTo("acme");
            assertThat(p.get("active_keys").asInt()).isEqualTo(1);
        });

        JsonNode created = admin("create-key", projectId, "--role", "viewer", "--name", "dashboards");
        assertThat(created.get("role").asString()).isEqualTo("VIEWER");
        String viewerKey = created.get("api_key").asString();
        Api viewer = owner.as(viewerKey);
        assertThat(viewer.get("/api/v1/webhooks").status()).as("the running server accepts a key created beside it").isEqualTo(200);

        JsonNode keys = admin("list-keys", projectId);
        assertThat(keys).hasSize(2);
        assertThat(keys.toString()).doesNotContain(viewerKey).doesNotContain("api_key").doesNotContain("hash");
        assertThat(keys).anySatisfy(k -> {
            assertThat(k.get("id").asString()).isEqualTo(created.get("id").asString());
            assertThat(k.get("name").asString()).isEqualTo("dashboards");
            assertThat(k.get("prefix").asString()).isEqualTo(viewerKey.substring(0, 10));
        });

        JsonNode revoked = admin("revoke-key", created.get("id").asString());
        assertThat(revoked.get("revoked").asBoolean()).isTrue();
        assertThat(viewer.get("/api/v1/webhooks").status()).as("a revoked key fails at once on the running server").isEqualTo(401);
        assertThat(admin("list-keys", projectId)).hasSize(1);

        HeraldProcess.Result again = HeraldProcess.exec(env, "admin", "revoke-key", created.get("id").asString());
        assertThat(again.exit()).isEqualTo(1);
        assertThat(again.err()).contains("not found");
        HeraldProcess.Result badRole = HeraldProcess.exec(env, "admin", "create-key", projectId, "--role", "root", "--name", "x");
        assertThat(badRole.exit()).isEqualTo(2);
        HeraldProcess.Result noProject = HeraldProcess.exec(env, "admin", "create-key", "01a206c7-d2c8-79cb-8be7-bf5698e8a73d", "--role", "viewer", "--name", "x");
        assertThat(noProject.exit()).isEqualTo(1);
        assertThat(noProject.err()).contains("project not found");
    }

    private static final HttpClient HTTP = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();

    private HttpResponse<String> page(String url, String cookie) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url));
        if (cookie != null) b.header("Cookie", cookie);
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> form(String url, String form, String origin, String cookie) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/x-www-form-urlencoded")
                .header("Origin", origin).POST(HttpRequest.BodyPublishers.ofString(form));
        if (cookie != null) b.header("Cookie", cookie);
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String cookie(HttpResponse<String> r, String name) {
        return r.headers().allValues("Set-Cookie").stream().filter(c -> c.startsWith(name + "=")).findFirst().orElseThrow().split(";")[0];
    }

    @Test
    void anOperatorSignsInToTheConsoleWithAOneTimeLinkFromAdminConsoleLink() throws Exception {
        server = HeraldProcess.serve(env, dir.resolve("server.log"), 0);
        String base = "http://127.0.0.1:" + server.port();
        JsonNode project = admin("create-project", "acme");
        String projectId = project.get("project_id").asString();
        Api owner = new Api(server.port(), project.get("api_key").asString());

        JsonNode link = admin("console-link", projectId, "--base-url", base);
        assertThat(link.get("role").asString()).isEqualTo("CLIENT_ADMIN");
        assertThat(link.get("name").asString()).isEqualTo("operator");
        assertThat(link.get("project_id").asString()).isEqualTo(projectId);
        assertThat(Instant.parse(link.get("expires_at").asString())).isBetween(Instant.now().plusSeconds(14 * 60), Instant.now().plusSeconds(15 * 60 + 5));
        String url = link.get("url").asString();
        assertThat(url).startsWith(base + "/console/link?token=");
        String token = url.substring(url.indexOf("token=") + 6);

        HttpResponse<String> confirm = page(url, null);
        assertThat(confirm.statusCode()).isEqualTo(200);
        assertThat(confirm.body()).contains("acme").contains("operator").contains("CLIENT_ADMIN").contains("Continue to the console");
        assertThat(page(url, null).statusCode()).as("opening the link (a preview, a prefetch) does not use it").isEqualTo(200);

        HttpResponse<String> crossSite = form(base + "/console/link", "token=" + token, "https://evil.example", null);
        assertThat(crossSite.statusCode()).as("a cross-site POST (login CSRF) is refused").isEqualTo(403);
        assertThat(crossSite.headers().allValues("Set-Cookie")).isEmpty();

        HttpResponse<String> in = form(base + "/console/link", "token=" + token, base, null);
        assertThat(in.statusCode()).as(in.body()).isEqualTo(303);
        String session = cookie(in, "herald_console");
        assertThat(cookie(in, "herald_review")).as("a CLIENT_ADMIN session also opens the review page").isNotBlank();
        HttpResponse<String> overview = page(base + "/console", session);
        assertThat(overview.statusCode()).isEqualTo(200);
        assertThat(overview.body()).contains("operator");

        HttpResponse<String> again = form(base + "/console/link", "token=" + token, base, null);
        assertThat(again.statusCode()).as("a link works once").isEqualTo(401);
        assertThat(again.body()).contains("cannot be used");
        assertThat(page(url, null).statusCode()).isEqualTo(401);
        assertThat(form(base + "/console/link", "token=not-a-link-at-all-but-long-enough", base, null).statusCode()).isEqualTo(401);

        // The session acts as the project's operator key: listed, never shown, reused by the next link, and revoking it ends the session.
        JsonNode keys = admin("list-keys", projectId);
        assertThat(keys).anySatisfy(k -> {
            assertThat(k.get("id").asString()).isEqualTo(link.get("key_id").asString());
            assertThat(k.get("name").asString()).isEqualTo("operator");
            assertThat(k.get("role").asString()).isEqualTo("CLIENT_ADMIN");
        });
        assertThat(admin("console-link", projectId, "--base-url", base).get("key_id").asString()).as("same name and role: the same key")
                .isEqualTo(link.get("key_id").asString());
        JsonNode hook = owner.post("/api/v1/webhooks", "{\"url\":\"https://example.com/hook\",\"events\":[\"*\"]}").json();
        assertThat(page(base + "/console/webhooks/" + hook.get("id").asString(), session).body()).as("the operator may change things").contains("Rotate secret");

        JsonNode viewerLink = admin("console-link", projectId, "--role", "viewer", "--name", "auditor", "--ttl", "2h", "--base-url", base + "/");
        assertThat(viewerLink.get("url").asString()).startsWith(base + "/console/link?token=");
        String viewerToken = viewerLink.get("url").asString().substring(viewerLink.get("url").asString().indexOf("token=") + 6);
        HttpResponse<String> viewerIn = form(base + "/console/link", "token=" + viewerToken, base, null);
        assertThat(viewerIn.statusCode()).isEqualTo(303);
        String viewer = cookie(viewerIn, "herald_console");
        assertThat(viewerIn.headers().allValues("Set-Cookie")).as("a VIEWER does not review").noneMatch(c -> c.startsWith("herald_review="));
        HttpResponse<String> keysPage = page(base + "/console/api-keys", viewer);
        Matcher csrf = Pattern.compile("name=\"csrf\" value=\"([^\"]+)\"").matcher(keysPage.body());
        assertThat(csrf.find()).isTrue();
        HttpResponse<String> change = form(base + "/console/webhooks/" + hook.get("id").asString() + "/rotate-secret", "csrf=" + csrf.group(1), base, viewer);
        assertThat(change.statusCode()).as("a VIEWER link looks but does not change").isEqualTo(403);

        admin("revoke-key", link.get("key_id").asString());
        assertThat(page(base + "/console", session).statusCode()).as("revoking the operator key ends its sessions").isEqualTo(303);
        assertThat(page(base + "/console", viewer).statusCode()).as("other keys' sessions go on").isEqualTo(200);

        assertThat(HeraldProcess.exec(env, "admin", "console-link", projectId, "--role", "publisher").exit()).as("not a console role").isEqualTo(2);
        assertThat(HeraldProcess.exec(env, "admin", "console-link", projectId, "--ttl", "25h").exit()).isEqualTo(2);
        assertThat(HeraldProcess.exec(env, "admin", "console-link", projectId, "--base-url", "ftp://x").exit()).isEqualTo(2);
        HeraldProcess.Result noProject = HeraldProcess.exec(env, "admin", "console-link", "01a206c7-d2c8-79cb-8be7-bf5698e8a73d");
        assertThat(noProject.exit()).isEqualTo(1);
        assertThat(noProject.err()).contains("project not found");
        assertThat(Files.readString(dir.resolve("server.log"))).as("link tokens are never logged").doesNotContain(token).doesNotContain(viewerToken);
    }

    @Test
    void adminWithoutASubcommandIsAUsageErrorThatListsThem() {
        HeraldProcess.Result r = HeraldProcess.exec(env, "admin");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("missing a subcommand").contains("Usage: herald admin")
                .contains("create-project").contains("list-projects").contains("list-keys").contains("create-key").contains("revoke-key")
                .contains("console-link");
        HeraldProcess.Result worker = HeraldProcess.exec(env, "worker");
        assertThat(worker.exit()).isEqualTo(2);
        assertThat(worker.err()).contains("missing a subcommand").contains("notifications");
    }
}
