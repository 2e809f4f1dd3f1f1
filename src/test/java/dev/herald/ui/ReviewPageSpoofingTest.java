package dev.herald.ui;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.support.Api;
import dev.herald.support.Receiver;
import dev.herald.support.TestHerald;
import dev.herald.util.Json;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Review-page spoofing: a bidi override makes "Refund of [RLO]001$[PDF]" read "Refund of $100", and
 * zero-width characters hide inside words. The page shows each such character as a marked token, never
 * the character itself, and flags the draft on the list and detail pages; the API lists them per field.
 */
class ReviewPageSpoofingTest {
    static final String SPOOFED_SUBJECT = "Refund of \u202e001$\u202c";
    static final HttpClient HTTP = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
    static Receiver receiver;
    static TestHerald herald;
    static Api admin;
    static Api publisher;
    static String reviewerKey;

    @BeforeAll
    static void start() {
        receiver = new Receiver();
        herald = TestHerald.start();
        admin = herald.newProject("spoof");
        publisher = admin.as(admin.post("/api/v1/api-keys", "{\"name\":\"drafter\",\"role\":\"PUBLISHER\"}").str("api_key"));
        reviewerKey = admin.post("/api/v1/api-keys", "{\"name\":\"Dana\",\"role\":\"REVIEWER\"}").str("api_key");
        Api.Res c = admin.post("/api/v1/connections", "{\"name\":\"mail\",\"connection_details\":{\"email_webhook\":{\"base_url\":\""
                + receiver.url("/mail") + "\",\"bearer_token\":{\"token\":\"sk-test-1\"}}}}");
        assertThat(c.status()).as(c.toString()).isEqualTo(201);
    }

    @AfterAll
    static void stop() {
        herald.close();
        receiver.close();
    }

    static JsonNode draft(String customerName, String subject, String body) {
        ObjectNode d = Json.object();
        d.put("connection", "mail");
        d.putObject("customer").put("id", "tenant-1").put("name", customerName);
        d.putObject("email").put("subject", subject).put("body", body);
        Api.Res r = publisher.post("/api/v1/customer-emails", Json.write(d));
        assertThat(r.status()).as(r.toString()).isEqualTo(201);
        return r.json();
    }

    static String signIn() throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(base() + "/review/sign-in"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("api_key=" + URLEncoder.encode(reviewerKey, StandardCharsets.UTF_8))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(303);
        return r.headers().firstValue("set-cookie").orElseThrow().split(";", 2)[0];
    }

    static String page(String cookie, String path) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(base() + path)).header("Cookie", cookie).GET().build(),
                HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        assertThat(r.statusCode()).as(path).isEqualTo(200);
        return r.body();
    }

    static String base() {
        return "http://127.0.0.1:" + herald.port();
    }

    @Test
    void bidiOverridesAndZeroWidthCharactersAreShownAsMarkedTokensAndTheDraftIsFlagged() throws Exception {
        JsonNode spoofed = draft("Acme \u2066Corp\u2069", SPOOFED_SUBJECT, "Pay at pay\u200bpal.example\uFEFF today");
        String id = spoofed.get("id").asString();
        JsonNode clean = draft("Globex", "Invoice", "Nothing hidden.");

        assertThat(Json.write(spoofed.get("invisible_characters"))).isEqualTo("[{\"field\":\"customer.name\",\"characters\":[\"U+2066\",\"U+2069\"]},"
                + "{\"field\":\"email.subject\",\"characters\":[\"U+202E\",\"U+202C\"]},{\"field\":\"email.body\",\"characters\":[\"U+200B\",\"U+FEFF\"]}]");
        assertThat(clean.get("invisible_characters")).isEmpty();
        assertThat(admin.get("/api/v1/customer-emails?status=pending_review").json().at("/data/1/invisible_characters/0/field").asString())
                .as("the list view carries the flag too").isEqualTo("customer.name");

        String cookie = signIn();
        String list = page(cookie, "/review");
        String detail = page(cookie, "/review/drafts/" + id);
        for (String html : new String[] {list, detail}) {
            assertThat(html).doesNotContain("\u202e").doesNotContain("\u202c").doesNotContain("\u2066").doesNotContain("\u200b").doesNotContain("\uFEFF");
            assertThat(html).contains("Refund of <span class=\"invisible\" title=\"invisible character U+202E\">&lt;U+202E&gt;</span>001$"
                    + "<span class=\"invisible\" title=\"invisible character U+202C\">&lt;U+202C&gt;</span>");
            assertThat(html).contains("pay<span class=\"invisible\" title=\"invisible character U+200B\">&lt;U+200B&gt;</span>pal.example");
            assertThat(html).contains("data-flag=\"invisible-characters\"").contains("U+202E, U+202C in email.subject");
        }
        assertThat(detail).contains("<title>Refund of &lt;U+202E&gt;001$&lt;U+202C&gt; · Herald</title>");
        String cleanDetail = page(cookie, "/review/drafts/" + clean.get("id").asString());
        assertThat(cleanDetail).doesNotContain("data-flag=\"invisible-characters\"").doesNotContain("class=\"invisible\"");
    }
}
