package dev.herald.ui;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.support.Api;
import dev.herald.support.Receiver;
import dev.herald.support.TestHerald;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The console's security model over plain HTTP: the documented headers, the session cookie's flags,
 * CSRF and Origin checks on every POST, and a VIEWER refused (403, nothing changed) on every POST route
 * the console registers ({@link Console#posts}), not only the ones its pages show.
 */
class ConsoleSecurityTest {
    static final HttpClient HTTP = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
    static final Pattern CSRF = Pattern.compile("name=\"csrf\" value=\"([^\"]+)\"");
    static TestHerald herald;
    static Receiver receiver;
    static Api admin;
    static String base;

    @BeforeAll
    static void start() {
        receiver = new Receiver().on("/hook", Receiver.Reply.ok());
        herald = TestHerald.start();
        admin = herald.newProject("console-security");
        base = "http://127.0.0.1:" + herald.port();
    }

    @AfterAll
    static void stop() {
        herald.close();
        receiver.close();
    }

    /** A signed-in browser: its session cookie and the CSRF token its pages carry. */
    record Session(String cookie, String csrf, HttpResponse<String> signIn) {}

    static Session signIn(String key) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/console/sign-in"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("api_key=" + URLEncoder.encode(key, StandardCharsets.UTF_8))).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(303);
        String cookie = r.headers().allValues("Set-Cookie").stream().filter(c -> c.startsWith(ReviewSessions.CONSOLE_COOKIE + "=")).findFirst().orElseThrow();
        String pair = cookie.split(";")[0];
        HttpResponse<String> page = get("/console/api-keys", pair);
        assertThat(page.statusCode()).isEqualTo(200);
        Matcher m = CSRF.matcher(page.body());
        assertThat(m.find()).isTrue();
        return new Session(pair, m.group(1), r);
    }

    static HttpResponse<String> get(String path, String cookie) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path));
        if (cookie != null) b.header("Cookie", cookie);
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> post(String path, String cookie, String form, Map<String, String> headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form));
        if (cookie != null) b.header("Cookie", cookie);
        headers.forEach(b::header);
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static List<String> keyIds(Api a) {
        List<String> ids = new java.util.ArrayList<>();
        a.get("/api/v1/api-keys").json().get("data").forEach(k -> ids.add(k.get("id").asString() + " " + k.get("role").asString()));
        return ids;
    }

    @Test
    void everyConsolePageSendsTheHeadersTheSecurityModelDocuments() throws Exception {
        String doc = Files.readString(Path.of("docs/security.md")).replaceAll("\\s+", " ");
        Session s = signIn(admin.key());
        for (String path : List.of("/console/sign-in", "/console", "/console/webhooks")) {
            HttpResponse<String> page = get(path, path.endsWith("sign-in") ? null : s.cookie());
            assertThat(page.statusCode()).as(path).isEqualTo(200);
            for (String name : List.of("Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options", "Referrer-Policy", "Cache-Control")) {
                String value = page.headers().firstValue(name).orElse("");
                assertThat(value).as(path + " " + name).isNotBlank();
                assertThat(doc).as("docs/security.md documents the console's " + name + " exactly as sent").contains("`" + name + ": " + value + "`");
            }
            assertThat(page.body()).as("no inline script or style on " + path).doesNotContain("<script>").doesNotContain("<style").doesNotContain(" style=");
        }
        HttpResponse<String> js = get("/console/assets/console.js", null);
        assertThat(js.statusCode()).isEqualTo(200);
        assertThat(js.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/javascript");
    }

    @Test
    void theSessionCookieIsHttpOnlyStrictAndScopedAndAClientAdminAlsoGetsTheReviewPageUntilSignOut() throws Exception {
        Session s = signIn(admin.key());
        List<String> cookies = s.signIn().headers().allValues("Set-Cookie");
        String console = cookies.stream().filter(c -> c.startsWith("herald_console=")).findFirst().orElseThrow();
        assertThat(console).contains("; Path=/console").contains("; HttpOnly").contains("; SameSite=Strict").doesNotContain("Secure");
        String review = cookies.stream().filter(c -> c.startsWith("herald_review=")).findFirst().orElseThrow();
        assertThat(get("/review", review.split(";")[0]).statusCode()).as("the review page opens with the console's session").isEqualTo(200);
        assertThat(get("/console", null).statusCode()).as("no cookie: to the sign-in page").isEqualTo(303);
        HttpResponse<String> out = post("/console/sign-out", s.cookie(), "csrf=" + s.csrf(), Map.of("Origin", base));
        assertThat(out.statusCode()).isEqualTo(303);
        assertThat(out.headers().allValues("Set-Cookie")).anySatisfy(c -> assertThat(c).startsWith("herald_console=;").contains("Max-Age=0"));
        assertThat(get("/console", s.cookie()).statusCode()).as("signed out of the console").isEqualTo(303);
        assertThat(get("/review", review.split(";")[0]).statusCode()).as("and so of the review page").isEqualTo(303);
    }

    @Test
    void behindAnHttpsPublicUrlTheCookieIsSecure() throws Exception {
        try (TestHerald https = TestHerald.start(Map.of("HERALD_PUBLIC_URL", "https://herald.example.com"))) {
            Api a = https.newProject("secure");
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + https.port() + "/console/sign-in"))
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString("api_key=" + URLEncoder.encode(a.key(), StandardCharsets.UTF_8))).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.headers().allValues("Set-Cookie")).isNotEmpty().allSatisfy(c -> assertThat(c).contains("; Secure"));
        }
    }

    @Test
    void aFormWithoutTheSessionsTokenOrFromAnotherSiteIsRefusedAndChangesNothing() throws Exception {
        Session s = signIn(admin.key());
        String form = "url=" + URLEncoder.encode(receiver.url("/hook"), StandardCharsets.UTF_8) + "&events=*";
        int before = admin.get("/api/v1/webhooks").json().get("data").size();
        assertThat(post("/console/webhooks", s.cookie(), form, Map.of()).statusCode()).as("no token").isEqualTo(403);
        assertThat(post("/console/webhooks", s.cookie(), form + "&csrf=wrong", Map.of()).statusCode()).as("wrong token").isEqualTo(403);
        assertThat(post("/console/webhooks", s.cookie(), form + "&csrf=" + s.csrf(), Map.of("Origin", "https://evil.example")).statusCode())
                .as("another origin, even with the token").isEqualTo(403);
        assertThat(post("/console/webhooks", s.cookie(), form + "&csrf=" + s.csrf(), Map.of("Sec-Fetch-Site", "cross-site")).statusCode())
                .as("a cross-site fetch").isEqualTo(403);
        assertThat(post("/console/sign-in", null, "api_key=" + admin.key(), Map.of("Origin", "https://evil.example")).statusCode())
                .as("a cross-site sign-in (login CSRF)").isEqualTo(403);
        assertThat(admin.get("/api/v1/webhooks").json().get("data").size()).isEqualTo(before);
        HttpResponse<String> ok = post("/console/webhooks", s.cookie(), form + "&csrf=" + s.csrf(), Map.of("Origin", base));
        assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
        assertThat(ok.body()).contains("whsec_");
        assertThat(admin.get("/api/v1/webhooks").json().get("data").size()).isEqualTo(before + 1);
    }

    @Test
    void aViewerIsRefusedOnEveryPostRouteAndNothingChanges() throws Exception {
        Api admin = herald.newProject("console-viewer");
        JsonNode hook = admin.post("/api/v1/webhooks", "{\"url\":\"" + receiver.url("/hook") + "\",\"events\":[\"*\"]}").json();
        String hookId = hook.get("id").asString();
        String delivery = admin.post("/api/v1/webhooks/" + hookId + "/test", "").json().get("delivery_id").asString();
        String viewerKey = admin.post("/api/v1/api-keys", "{\"name\":\"Vic Viewer\",\"role\":\"VIEWER\"}").str("api_key");
        JsonNode victim = admin.post("/api/v1/api-keys", "{\"name\":\"victim\",\"role\":\"PUBLISHER\"}").json();
        Session viewer = signIn(viewerKey);

        List<Console.Post> posts = Console.posts();
        assertThat(posts).extracting(Console.Post::path).contains("/console/webhooks", "/console/webhooks/{id}/rotate-secret", "/console/deliveries/{id}/retry",
                "/console/dead-letters/replay", "/console/api-keys", "/console/api-keys/{id}/revoke");
        List<String> keysBefore = keyIds(admin);
        for (Console.Post p : posts) {
            if (!p.admin()) continue;
            String path = p.path().replace("{id}", p.path().startsWith("/console/deliveries") ? delivery
                    : p.path().startsWith("/console/api-keys") ? victim.get("id").asString() : hookId);
            String form = "csrf=" + viewer.csrf() + "&url=" + URLEncoder.encode(receiver.url("/other"), StandardCharsets.UTF_8)
                    + "&events=*&name=x&role=CLIENT_ADMIN&webhook_id=" + hookId + "&delivery_id=" + delivery;
            HttpResponse<String> r = post(path, viewer.cookie(), form, Map.of("Origin", base));
            assertThat(r.statusCode()).as("VIEWER POST " + path).isEqualTo(403);
            assertThat(r.body()).contains("can look but not change");
        }
        JsonNode after = admin.get("/api/v1/webhooks/" + hookId).json();
        assertThat(after.get("url").asString()).isEqualTo(hook.get("url").asString());
        assertThat(after.get("enabled").asBoolean()).isTrue();
        assertThat(after.at("/signature/kid").asString()).isEqualTo(hook.at("/signature/kid").asString());
        assertThat(admin.get("/api/v1/webhooks").json().get("data").size()).isEqualTo(1);
        assertThat(keyIds(admin)).isEqualTo(keysBefore);

        assertThat(admin.get("/api/v1/deliveries?webhook_id=" + hookId).json().get("data").size()).as("no test event sent").isEqualTo(1);
        HttpResponse<String> page = get("/console/webhooks/" + hookId, viewer.cookie());
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).as("a VIEWER's pages show no change controls").doesNotContain("Rotate secret").doesNotContain("Send test event")
                .doesNotContain("method=\"post\" action=\"/console/webhooks");
    }
}
